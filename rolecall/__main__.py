"""``python -m rolecall`` runs the CLI."""

from rolecall.cli.main import main

main()
