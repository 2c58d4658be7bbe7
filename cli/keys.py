"""`casebook keys`: create, list and revoke API keys."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings
from casebook.shapes import to_json
from cli.common import JsonOpt, fail

keys_app = typer.Typer(
    rich_markup_mode="markdown",
    help="API keys: each belongs to one tenant and has a role (agent, bot or admin) and an "
    "audience (agent or customer).",
    no_args_is_help=True,
)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant the key belongs to.")],
    role: Annotated[str, typer.Option("--role", help="agent, bot (read) or admin (all).")],
    audience: Annotated[
        str | None,
        typer.Option(
            "--audience",
            help="Whom answers are for: customer (published documents only: no interactions, "
            "internal notes or agent-only documents) or agent (everything). "
            "Default: customer for bot keys, agent for the others.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    from service.keys import KeyStore

    try:
        key, record = KeyStore.for_settings(Settings()).create(tenant, role, audience)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    except CasebookError as exc:
        raise fail(str(exc)) from exc
    typer.echo("This key is shown once: store it now.", err=True)
    if as_json:
        out = {
            "key": key,
            "key_id": record.key_id,
            "tenant": record.tenant,
            "role": record.role,
            "audience": record.effective_audience,
        }
        typer.echo(json.dumps(out))
    else:
        typer.echo(key)


@keys_app.command("list")
def keys_list(as_json: JsonOpt = False) -> None:
    """Every key: id, tenant, role, when it was created, and whether it is revoked."""
    from service.keys import KeyStore

    try:
        records = KeyStore.for_settings(Settings()).list()
    except CasebookError as exc:
        raise fail(str(exc)) from exc
    if as_json:
        typer.echo(json.dumps({"keys": [to_json(r) for r in records]}))
        return
    if not records:
        typer.echo("no keys: the API is open on 127.0.0.1")
    for r in records:
        state = "active" if r.active else f"revoked {r.revoked_at}"
        typer.echo(
            f"{r.key_id}  {r.tenant:<20} {r.role:<6} {r.effective_audience:<9} "
            f"{r.created_at}  {state}"
        )


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key_id to revoke.")]) -> None:
    """Revoke a key; a running server stops accepting it at once."""
    from service.keys import KeyStore

    try:
        KeyStore.for_settings(Settings()).revoke(key_id)
    except CasebookError as exc:
        raise fail(str(exc)) from exc
    typer.echo(f"revoked {key_id}")
