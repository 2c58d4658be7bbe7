"""Run a suite: ingest its data into a fresh index (or use one), ask every case, score it."""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from casebook.settings import Settings
from eval.cases import Cases, load_cases
from eval.provenance import provenance
from eval.ragas_metrics import RagasScorer
from eval.scoring import Clock, Row, aggregate, percentiles, score_question, score_summary
from eval.suite import DataSet, Suite
from eval.targets import HttpTarget, LocalTarget, Target
from eval.verdicts import counts


@contextmanager
def _target(
    suite: Suite, workdir: Path, against: str | None, key: str | None
) -> Iterator[tuple[Target, Settings, Any, Any]]:
    """(target, settings, embedder, index): a running service (no local index is opened),
    a fresh temporary index, or the configured one as it is."""
    if against:
        from casebook.embedding import load_embedder

        settings = Settings(**suite.settings)
        embedder = load_embedder(settings.embed_model, settings.embed_batch_size,
                                 settings.embed_dtype)  # fmt: skip
        http = HttpTarget(against, key)
        try:
            yield http, settings, embedder, None
        finally:
            http.close()
        return
    from casebook.wiring import open_index

    fresh = suite.index == "fresh"
    overrides = {"data_dir": workdir / "data", "qdrant_url": None} if fresh else {}
    settings = Settings(**(suite.settings | overrides))
    index = open_index(settings)
    try:
        yield LocalTarget(index, settings), settings, index.embedder, index
    finally:
        index.close()


def _ingest(index: Any, settings: Settings, tenant: str, cases: Cases, clock: Clock) -> int:
    """Ingest a set's files into its own tenant; returns the chunks written."""
    from service.ingestion import ingestor as Ingestor

    start = time.perf_counter()
    # a folder (a suite's own corpus) holds both kinds: detect each file's
    kind = "interactions" if cases.interactions else "documents"
    if any(p.is_dir() for p in cases.to_ingest):
        kind = "auto"
    report = Ingestor(index, settings).run(cases.to_ingest, tenant=tenant, kind=kind)  # type: ignore[arg-type]
    clock.setdefault("ingest", []).append(time.perf_counter() - start)
    if report.failed:
        raise RuntimeError(f"ingest failed: {report.failed[0].path}: {report.failed[0].error}")
    return report.chunks


def run_suite(
    suite: Suite, against: str | None = None, key: str | None = None, progress: bool = True
) -> dict[str, Any]:
    """The suite's results: metrics per set, latency per stage, every row, and notes."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    clock: Clock = {}
    notes: list[str] = []
    sets: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="casebook-eval-") as tmp:
        workdir = Path(tmp)
        fresh = suite.index == "fresh" and against is None
        loaded = {d.name: load_cases(d, workdir, ingest=fresh) for d in suite.sets}
        total = sum(len(c.queries) + len(c.interactions) for c in loaded.values())
        with _target(suite, workdir, against, key) as (target, settings, embedder, index):
            if against:
                notes.append(
                    f"questions sent to {against} (its own settings answer; suite settings "
                    "apply to this process only); span metrics need offsets, not reported"
                )
            scorer = RagasScorer(embedder, settings)
            bar = tqdm(
                total=total, desc=suite.name, unit="case", file=sys.stderr, disable=not progress
            )
            try:
                for dataset in suite.sets:
                    cases = loaded[dataset.name]
                    tenant = dataset.name if fresh else suite.tenant
                    chunks = _ingest(index, settings, tenant, cases, clock) if fresh else None
                    rows = _score_set(target, scorer, tenant, dataset, cases, clock, bar)
                    sets[dataset.name] = {
                        "data": str(dataset.path),
                        "cases": len(rows),
                        "chunks": chunks,
                        "metrics": aggregate(rows),
                        "answers": counts(rows),
                        "rows": rows,
                    }
            finally:
                bar.close()
            notes += _answer_notes(sets, scorer)
            recorded = provenance(suite, settings, against)
    return {
        "suite": suite.name,
        "source": str(suite.source) if suite.source else None,
        "started": started,
        "target": against or ("existing index" if suite.index == "existing" else "fresh index"),
        "settings": suite.settings,
        **recorded,
        "sets": sets,
        "latency": percentiles(clock),
        "metrics": flatten(sets, percentiles(clock)),
        "notes": notes,
    }


def _score_set(
    target: Target,
    scorer: RagasScorer,
    tenant: str,
    dataset: DataSet,
    cases: Cases,
    clock: Clock,
    bar: Any,
) -> list[Row]:
    """A row per question and per interaction of one set."""
    rows: list[Row] = []
    for q in cases.queries:
        rows.append(score_question(target, scorer, tenant, dataset, q, cases, clock))
        bar.update()
    for record in cases.interactions:
        rows.append(score_summary(target, tenant, record, clock))
        bar.update()
    return rows


def _answer_notes(sets: dict[str, Any], scorer: RagasScorer) -> list[str]:
    """The judge's state, and the sets whose answers fell back from the LLM."""
    notes = [scorer.judge_note] if scorer.judge_note else []
    if scorer.judge is not None and scorer.judge.errors:
        notes.append(f"the judge failed {len(scorer.judge.errors)} time(s), e.g. "
                     f"{scorer.judge.errors[0]}")  # fmt: skip
    for name, data in sets.items():
        fallbacks = data["answers"]["fallback_reason"]
        if fallbacks:
            answered = sum(data["answers"]["generator"].values())
            notes.append(f"{name}: {sum(fallbacks.values())} of {answered} answers fell back to "
                         f"extractive ({fallbacks})")  # fmt: skip
    return notes


def flatten(sets: dict[str, Any], latency: dict[str, dict[str, float]]) -> dict[str, float | None]:
    """ "set.metric" and "latency.stage.p50_ms" names, as gates and baselines refer to them."""
    out: dict[str, float | None] = {
        f"{name}.{metric}": value
        for name, s in sets.items()
        for metric, value in s["metrics"].items()
    }
    for stage, values in latency.items():
        out[f"latency.{stage}.p50_ms"] = values["p50_ms"]
        out[f"latency.{stage}.p95_ms"] = values["p95_ms"]
    return out
