"""The inventory service: it owns stock, and reserves it for the monolith's order saga."""
