"""legacy_monolith package."""
