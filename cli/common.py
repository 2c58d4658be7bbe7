"""What the `casebook` subcommands share: common options and failing with a message."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]
TenantOpt = Annotated[str, typer.Option("--tenant", help="Tenant whose data to use.")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` to stderr; raise the returned Exit (1: failed, 2: bad usage)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def open_or_fail(settings: Settings) -> Any:
    """The configured index, or a clean exit with the reason it could not be opened."""
    from casebook.wiring import open_index

    try:
        return open_index(settings)
    except CasebookError as exc:
        raise fail(str(exc)) from exc
