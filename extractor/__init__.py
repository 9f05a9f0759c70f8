"""`strangler extract`: chosen routes of a Flask monolith -> a runnable Nameko service package."""
