"""Payments: card captures and refunds."""
