"""`casebook ingest`: documents and support interactions into the index."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from casebook.settings import Settings
from casebook.shapes import to_json
from cli.common import JsonOpt, TenantOpt, fail, open_or_fail


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
        typer.echo(json.dumps(to_json(report)))
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
