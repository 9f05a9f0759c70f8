"""How a parsed module divides into scopes, shared by the Python and database extractors."""
