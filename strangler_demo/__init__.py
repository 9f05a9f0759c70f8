"""The worked migration as a story: the sample monolith, its catalog service and the proxy.

Everything here is specific to `legacy_monolith/` and `extracted_services/catalog/`;
the toolkit's packages never import it.
"""
