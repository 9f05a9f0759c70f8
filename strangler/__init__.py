"""strangler: move a legacy Flask monolith to Nameko services, one endpoint at a time."""
