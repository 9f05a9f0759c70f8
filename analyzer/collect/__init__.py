"""The facts stage: every file's facts, from the cache or extracted in worker processes."""
