"""Inventory: warehouses, stock levels and stock movements."""
