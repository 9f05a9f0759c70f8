"""The sample legacy shop the strangler toolkit migrates: a deliberately tangled Flask monolith.

`create_app(config)` builds the app; `legacy_monolith.seed.seed_database` fills its database.
"""

from legacy_monolith.app import create_app

__all__ = ["create_app"]
