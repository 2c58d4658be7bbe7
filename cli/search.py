"""`casebook search` and `casebook stats`, and the --history-file option they share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings
from casebook.shapes import to_json
from cli.common import JsonOpt, TenantOpt, fail, open_or_fail


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
        typer.echo(json.dumps({"results": [to_json(h) for h in hits]}, ensure_ascii=False))
        return
    if not hits:
        typer.echo("no results")
    for rank, hit in enumerate(hits, start=1):
        where = " > ".join([hit.title, *hit.section][-2:]) if hit.section else hit.title
        snippet = " ".join(hit.text.split())
        typer.echo(f"{rank}. [{hit.score:.3f}] {hit.doc_id} ({hit.kind}) {where}")
        typer.echo(f"   {snippet[:200]}{'…' if len(snippet) > 200 else ''}")


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
