"""``python -m ketenhub`` runs the command line."""

from ketenhub.cli.main import main

main()
