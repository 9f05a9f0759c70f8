"""Cart: a shopping cart per browser, keyed by a cookie."""
