"""Reports from an `Analysis`: JSON, Markdown, and the hotspots both show."""
