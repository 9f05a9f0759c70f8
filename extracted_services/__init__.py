"""extracted_services package."""
