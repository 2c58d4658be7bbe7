"""What a result was measured with: effective settings and their sources, version, data."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casebook import __version__
from casebook.settings import Settings
from eval.suite import DataSet, Suite

SECRET = "***"


def effective_settings(suite: Suite, settings: Settings) -> dict[str, Any]:
    """Every setting's value (secrets masked) and where it came from: --set, suite, environment
    (CASEBOOK_* variables or .env) or default."""
    from_env = Settings().model_fields_set  # what the environment and .env set
    values = settings.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name, value in sorted(values.items()):
        if name in suite.overrides:
            source = "--set"
        elif name in suite.settings:
            source = "suite"
        elif name in from_env:
            source = "environment"
        else:
            source = "default"
        secret = "api_key" in name and value is not None
        out[name] = {"value": SECRET if secret else value, "source": source}
    return out


def _files(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            out.append(path)
    return out


def data_fingerprint(dataset: DataSet) -> dict[str, Any]:
    """sha256 of the questions file (or interactions file), and of the corpus files' names,
    sizes and modification times."""
    if dataset.kind == "summaries":
        questions = dataset.path / "interactions.jsonl"
    else:
        questions = dataset.queries_file
    corpus = [Path(dataset.corpus)] if dataset.corpus else [dataset.path / "corpus.jsonl"]
    listing = hashlib.sha256()
    files = _files(corpus)
    for path in files:
        stat = path.stat()
        listing.update(f"{path.name}\t{stat.st_size}\t{int(stat.st_mtime)}\n".encode())
    return {
        "questions": str(questions),
        "questions_sha256": _sha256(questions) if questions.is_file() else None,
        "corpus_files": len(files),
        "corpus_listing_sha256": listing.hexdigest() if files else None,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(suite: Suite, settings: Settings, against: str | None) -> dict[str, Any]:
    """The version, the effective settings (in-process; a served target's own apply over HTTP)
    and each set's data fingerprint."""
    env = sorted(k for k in os.environ if k.startswith("CASEBOOK_") and "KEY" not in k)
    return {
        "casebook_version": __version__,
        "settings_effective": effective_settings(suite, settings),
        "settings_apply_to": f"the service at {against}: its own settings answer"
        if against
        else "this process",
        "environment_variables": env,
        "overrides": suite.overrides,
        "data": {d.name: data_fingerprint(d) for d in suite.sets},
    }
