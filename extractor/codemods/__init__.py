"""LibCST transformations of the monolith's modules (comments and formatting kept)."""
