"""Admin and reporting: dashboard, product editing, cross-area reports."""
