"""Notifications: messages to users, written by many areas."""
