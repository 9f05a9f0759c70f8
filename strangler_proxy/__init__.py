"""strangler_proxy package."""
