"""The errors the catalog service raises; their class names are the wire contract.

They are the shared classes themselves (not subclasses) so `exc_type` is
exactly "NotFound" / "BadRequest", which the proxy maps to 404 / 400.
"""

from extracted_services.shared.errors import BadRequest, NotFound

__all__ = ["BadRequest", "NotFound"]
