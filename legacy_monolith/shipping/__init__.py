"""Shipping: methods, rates and shipments."""
