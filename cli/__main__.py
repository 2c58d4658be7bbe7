"""`python -m cli`: the `casebook` command."""

from cli.main import main

main()
