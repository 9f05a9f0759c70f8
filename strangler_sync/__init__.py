"""`strangler sync`: capture the monolith's row changes and relay them over RabbitMQ.

Capture (`install`/`uninstall`) puts triggers on the tables the services copy, writing
each change into `strangler_changes` in the change's own transaction; the relay
(`run`) publishes those rows to the `strangler.changes` exchange and deletes them once
the broker confirmed them (docs/contracts.md, "(i) Change events").
"""
