"""Storefront: the server-rendered shop pages customers browse."""
