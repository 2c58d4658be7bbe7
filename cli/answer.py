"""`casebook answer` and `casebook summarize`: the answer and summary features offline."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from casebook.errors import CasebookError
from casebook.settings import Settings
from casebook.shapes import to_json
from cli.common import JsonOpt, TenantOpt, fail, open_or_fail
from cli.search import HistoryOpt, read_history


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
        top_k = min(top_k, settings.max_top_k)
        result = ask.answer(answerer, ask.Asked(tenant, question, history, None, top_k, audience))
    except CasebookError as exc:
        raise fail(str(exc), 2) from exc
    finally:
        index.close()
    body = to_json(result)
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    typer.echo(body["answer"])
    for n, c in enumerate(body["citations"], start=1):
        typer.echo(f"  [{n}] {c['title']} ({c['doc_id']}, characters {c['start']}-{c['end']})")
    state = "answered" if body["answerable"] else f"abstained: {body['reason']}"
    typer.echo(f"  confidence {body['confidence']:.2f}, {state}, {body['generator']}")


def summarize(
    item_id: Annotated[str, typer.Argument(help="Id of an ingested interaction or document.")],
    tenant: TenantOpt = "default",
    as_json: JsonOpt = False,
) -> None:
    """Summarise one interaction or document offline, every sentence quoted and cited.

    An interaction: the issue, what was tried, the resolution and the status, each sentence
    citing its turn [tN]. A document: its most central sentences, each citing its chunk [n].
    """
    from summaries import summarizer

    settings = Settings()
    index = open_or_fail(settings)
    try:  # offline: extractive, without the configured LLM
        summary = summarizer.summarize(
            summarizer.Summarizer(index, settings), summarizer.Subject(tenant, doc_id=item_id)
        )
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
