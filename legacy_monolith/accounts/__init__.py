"""Accounts: registration, login sessions, profile and addresses."""
