"""The errors the inventory service raises; their class names are the wire contract."""

from extracted_services.shared.errors import BadRequest, Conflict

__all__ = ["BadRequest", "Conflict"]
