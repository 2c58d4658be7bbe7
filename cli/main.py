"""The `casebook` command: the composition root that reads settings and wires the parts.

Subcommands import ingestion and the service lazily, so `--help` stays fast and the core
package never imports them at module level.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from casebook.errors import CasebookError
from casebook.offline import go_offline
from casebook.settings import Settings
from cli.common import JsonOpt, TenantOpt, fail, open_or_fail
from cli.evaluate import eval_app
from cli.keys import keys_app

if TYPE_CHECKING:
    from service.keys import Caller

app = typer.Typer(
    help="Casebook: one searchable index of your support documents and history.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(keys_app, name="keys")
app.add_typer(eval_app, name="eval")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files and folders (recursive) to ingest.")],
    tenant: TenantOpt = "default",
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove documents whose files are gone.")
    ] = False,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="auto (by extension and content), documents, or interactions (read .eml and "
            ".txt as email threads and transcripts).",
        ),
    ] = "auto",
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            help="Helpdesk export field mapping: zendesk, intercom, or a mapping JSON file.",
        ),
    ] = None,
    redact: Annotated[
        bool | None,
        typer.Option(
            "--redact/--no-redact",
            help="Redact personal data (default: interactions yes, documents no; see settings).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest documents and support interactions.

    Documents: PDF, DOCX, PPTX, XLSX, HTML, Markdown, text, CSV, EML and JSONL records.
    Interactions: JSONL with "turns", .mbox email archives, WebVTT/SRT/"Speaker: text"
    transcripts, Zendesk and Intercom JSON exports, or any JSON/CSV export with --mapping.
    Personal data in interactions is redacted before anything is stored. Unchanged items are
    skipped; changed ones replace their own chunks. Exit status: 0 when everything was ingested,
    1 when some item failed (the rest is still ingested), 2 for usage errors.
    """
    from tqdm import tqdm

    from service import ingestion

    if kind not in ("auto", "documents", "interactions"):
        raise fail(f"--kind must be auto, documents or interactions, not {kind!r}", 2)
    settings = Settings()
    index = open_or_fail(settings)
    try:
        ingestor = ingestion.ingestor(index, settings)
        bar = tqdm(unit="file", desc="ingest", disable=not sys.stderr.isatty(), file=sys.stderr)

        def set_total(n: int) -> None:
            bar.total = n
            bar.refresh()

        report = ingestor.run(
            paths,
            tenant=tenant,
            prune=prune,
            kind=kind,  # type: ignore[arg-type]
            mapping=mapping,
            redact=redact,
            progress=bar.update,
            total=set_total,
        )
        bar.close()
        if index.unoptimized or report.deleted:
            index.optimize()  # a bulk tool: leave the index searchable at full speed
    finally:
        index.close()
    if as_json:
        typer.echo(json.dumps(report.to_json()))
    else:
        typer.echo(
            f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
            f"deleted {report.deleted} documents ({report.interactions} interactions); "
            f"wrote {report.chunks} chunks"
        )
        if report.redactions:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(report.redactions.items()))
            typer.echo(f"redacted: {counts}")
        for failure in report.failed:
            typer.echo(f"failed: {failure.path}: {failure.error}", err=True)
    raise typer.Exit(1 if report.failed else 0)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="How many results.")] = 5,
    tenant: TenantOpt = "default",
    filters: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="KEY=VALUE on kind, doc_id, source, title or a metadata field; repeat a key "
            "to match any of its values.",
        ),
    ] = None,
    history_file: HistoryOpt = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or bm25.")] = "hybrid",
    as_json: JsonOpt = False,
) -> None:
    """Search the index (dense and BM25 fused), optionally with conversation history."""
    from casebook.filters import parse_cli_filters

    if mode not in ("hybrid", "dense", "bm25"):
        raise fail(f"--mode must be hybrid, dense or bm25, not {mode!r}", 2)
    history = read_history(history_file)
    settings = Settings()
    try:
        parsed = parse_cli_filters(filters or [])
    except CasebookError as exc:
        raise fail(str(exc), 2) from exc
    index = open_or_fail(settings)
    try:
        hits = index.search(
            tenant,
            query,
            history=history,
            filters=parsed,
            top_k=min(top_k, settings.max_top_k),
            mode=mode,  # type: ignore[arg-type]
        )
    except CasebookError as exc:
        raise fail(str(exc), 2) from exc
    finally:
        index.close()
    if as_json:
        typer.echo(json.dumps({"results": [h.to_json() for h in hits]}, ensure_ascii=False))
        return
    if not hits:
        typer.echo("no results")
    for rank, hit in enumerate(hits, start=1):
        where = " > ".join([hit.title, *hit.section][-2:]) if hit.section else hit.title
        snippet = " ".join(hit.text.split())
        typer.echo(f"{rank}. [{hit.score:.3f}] {hit.doc_id} ({hit.kind}) {where}")
        typer.echo(f"   {snippet[:200]}{'…' if len(snippet) > 200 else ''}")


def read_history(path: Path | None) -> list[dict[str, str]] | None:
    """The turns of a --history-file, or None; a bad file is a usage error."""
    if path is None:
        return None
    try:
        history = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read history file: {exc}", 2) from exc
    if not isinstance(history, list) or not all(
        isinstance(t, dict) and isinstance(t.get("text"), str) for t in history
    ):
        raise fail('history file must be a JSON list of {"role", "text"} objects', 2)
    return history


HistoryOpt = Annotated[
    Path | None,
    typer.Option(
        "--history-file",
        exists=True,
        dir_okay=False,
        help='JSON list of earlier turns [{"role", "text"}], oldest first.',
    ),
]


@app.command()
def answer(
    question: Annotated[str, typer.Argument(help="The question to answer.")],
    history_file: HistoryOpt = None,
    tenant: TenantOpt = "default",
    audience: Annotated[
        str, typer.Option(help="agent (documents and past cases) or customer (documents only).")
    ] = "agent",
    top_k: Annotated[int, typer.Option("--top-k", min=1, help="Chunks to answer from.")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the index, as /v1/answer does: quoted and cited, or an
    abstention when the knowledge base does not hold the answer (exit status 0 either way)."""
    from answers import ask
    from casebook.audience import validate_audience
    from casebook.llm import build_llm

    try:
        validate_audience(audience)
    except ValueError as exc:
        raise fail(str(exc), 2) from exc
    history = read_history(history_file) or []
    settings = Settings()
    index = open_or_fail(settings)
    try:
        answerer = ask.Answerer(index, settings, llm=build_llm(settings))
        result = ask.answer(
            answerer, tenant, question, history, top_k=min(top_k, settings.max_top_k),
            audience=audience,
        )  # fmt: skip
    except CasebookError as exc:
        raise fail(str(exc), 2) from exc
    finally:
        index.close()
    body = result.to_json()
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    typer.echo(body["answer"])
    for n, c in enumerate(body["citations"], start=1):
        typer.echo(f"  [{n}] {c['title']} ({c['doc_id']}, characters {c['start']}-{c['end']})")
    state = "answered" if body["answerable"] else f"abstained: {body['reason']}"
    typer.echo(f"  confidence {body['confidence']:.2f}, {state}, {body['generator']}")


@app.command()
def summarize(
    item_id: Annotated[str, typer.Argument(help="Id of an ingested interaction or document.")],
    tenant: TenantOpt = "default",
    as_json: JsonOpt = False,
) -> None:
    """Summarise one interaction or document offline, every sentence quoted and cited.

    An interaction: the issue, what was tried, the resolution and the status, each sentence
    citing its turn [tN]. A document: its most central sentences, each citing its chunk [n].
    """
    from casebook.errors import DocumentNotFound
    from summaries.document import summarize_document
    from summaries.interaction import summarize as summarize_interaction

    index = open_or_fail(Settings())
    try:
        try:
            summary = summarize_interaction(index.get_interaction(tenant, item_id)).to_json()
        except DocumentNotFound:
            summary = summarize_document(index, tenant, item_id).to_json()
    except CasebookError as exc:
        raise fail(str(exc)) from exc
    finally:
        index.close()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(summary["summary"])
    typer.echo("")
    for number, citation in enumerate(summary["citations"], start=1):
        where = f"t{citation['turn']}] {citation['role']}" if "turn" in citation else f"{number}]"
        typer.echo(f"[{where}: {citation['quote']}")


@app.command()
def stats(as_json: JsonOpt = False) -> None:
    """Documents and chunks per tenant and kind."""
    index = open_or_fail(Settings())
    try:
        rows = index.stats()
    finally:
        index.close()
    if as_json:
        typer.echo(json.dumps({"stats": rows}))
        return
    if not rows:
        typer.echo("the index is empty")
        return
    typer.echo(f"{'tenant':<20} {'kind':<14} {'documents':>10} {'chunks':>10}")
    for row in rows:
        typer.echo(
            f"{row['tenant']:<20} {row['kind']:<14} {row['documents']:>10} {row['chunks']:>10}"
        )


LOOPBACK = ("127.0.0.1", "localhost", "::1")


@app.command()
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


@app.command()
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


def main() -> None:
    """Entry point of the console script."""
    go_offline()
    app()
