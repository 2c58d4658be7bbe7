"""`casebook serve` (the HTTP API) and `casebook mcp` (the MCP tools over stdio)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings
from cli.common import fail

if TYPE_CHECKING:
    from service.keys import Caller


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run the HTTP API (OpenAPI docs at /docs).

    With no API key created the API is open (tenant default, every role) and listens on
    127.0.0.1 only, whatever --host says; create a key with `casebook keys create` to serve
    other machines.
    """
    import uvicorn

    from service.app import create_app
    from service.keys import KeyStore

    settings = Settings()
    keys = KeyStore.for_settings(settings)
    host = host or settings.host
    port = port or settings.port
    auth = ""
    try:
        open_mode = keys.is_empty()
    except CasebookError as exc:
        raise fail(str(exc)) from exc
    if open_mode:
        if host not in LOOPBACK:
            typer.echo(f"no API keys, so not listening on {host}: using 127.0.0.1", err=True)
            host = "127.0.0.1"
        typer.echo(
            "no API keys: the API is open (tenant default) and listens on 127.0.0.1 only; "
            "create one with `casebook keys create --tenant T --role admin`",
            err=True,
        )
    else:
        auth = "-H 'Authorization: Bearer YOUR_KEY' "
    typer.echo(f"Casebook listening on http://{host}:{port} (API docs: http://{host}:{port}/docs)")
    typer.echo(
        f"Try: curl -s http://{host}:{port}/v1/search {auth}-H 'content-type: application/json' "
        """-d '{"query": "how do I reset my thermostat?"}'"""
    )
    if settings.log_format == "json":
        from service.observability import configure_json_logging

        configure_json_logging(settings.log_level)
    else:
        logging.basicConfig(level=settings.log_level.upper())
    try:
        uvicorn.run(
            create_app(settings, keys=keys),
            host=host,
            port=port,
            log_level=settings.log_level.lower(),
            access_log=settings.log_format != "json",  # JSON mode logs its own access lines
        )
    except CasebookError as exc:
        raise fail(str(exc)) from exc


def mcp(
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", help="Tenant whose data to use (default: the key's, or default)."),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            "--key", envvar="CASEBOOK_API_KEY", help="An API key: its tenant and role apply."
        ),
    ] = None,
) -> None:
    """Serve the MCP tools over stdio, for Claude Desktop and other local MCP clients.

    Tools: search_knowledge, answer_question, summarize_interaction, get_document. The index is
    opened by this process (stop `casebook serve` on the same data first, or point the client
    at the server's /mcp instead). Logs go to stderr; stdout carries the protocol.
    """
    from service.keys import Caller, KeyStore, validate_tenant

    settings = Settings()
    if key:
        try:
            caller = KeyStore.for_settings(settings).verify(key)
        except CasebookError as exc:
            raise fail(str(exc)) from exc
        if caller is None:
            raise fail("invalid or revoked API key", 2)
        if tenant is not None and tenant != caller.tenant:
            raise fail(f"the key belongs to tenant {caller.tenant!r}, not {tenant!r}", 2)
    else:
        try:
            caller = Caller("stdio", validate_tenant(tenant or "default"), "agent")
        except ValueError as exc:
            raise fail(str(exc), 2) from exc
    try:
        serve_stdio(settings, caller)
    except CasebookError as exc:
        raise fail(str(exc)) from exc


def serve_stdio(settings: Settings, caller: Caller) -> None:
    """Serve the MCP tools on stdin/stdout as one caller, over the state the HTTP app has."""
    import anyio

    from service.app import create_app
    from service.mcp_server import create_mcp

    app = create_app(settings)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await create_mcp(app.state, caller).run_stdio_async()

    anyio.run(run)
