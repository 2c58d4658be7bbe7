"""The `casebook` command: the composition root that reads settings and wires the parts.

One module per group of commands (ingest, search, answer, serve, keys, eval); each imports
ingestion, the features and the service lazily, so `--help` stays fast.
"""

from __future__ import annotations

import typer

from casebook.offline import go_offline
from cli.answer import answer, summarize
from cli.evaluate import eval_app
from cli.ingest import ingest
from cli.keys import keys_app
from cli.search import search, stats
from cli.serve import mcp, serve

app = typer.Typer(
    rich_markup_mode="markdown",
    help="Casebook: one searchable index of your support documents and history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(keys_app, name="keys")
app.add_typer(eval_app, name="eval")
for command in (ingest, search, answer, summarize, stats, serve, mcp):
    app.command()(command)


def main() -> None:
    """Entry point of the console script."""
    go_offline()
    app(prog_name="casebook")  # `python -m cli` too says "casebook" in its usage lines
