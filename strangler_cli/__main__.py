"""`python -m strangler_cli` runs the `strangler` command."""

from strangler_cli import main

main()
