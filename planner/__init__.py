"""`strangler plan`: candidate services, their metrics and a migration order from an analysis."""
