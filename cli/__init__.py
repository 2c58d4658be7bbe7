"""The command line (`casebook ...`): the composition root for the CLI."""
