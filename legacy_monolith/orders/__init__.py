"""Orders: checkout, order history, cancellation and status changes."""
