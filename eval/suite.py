"""Suite files (TOML): the data to score, the settings to run with, and a gate per metric."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from casebook.index import Mode

SUITES_DIR = Path(__file__).parent / "suites"
Kind = Literal["qa", "summaries"]


class SuiteError(ValueError):
    """A suite file that cannot be read or names data that is not there."""


@dataclass(frozen=True)
class Gate:
    """A bound on one metric: at least `min`, at most `max`, or both."""

    metric: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class DataSet:
    """One folder in the shared dataset layout and how to sample and query it."""

    name: str
    path: Path
    kind: Kind = "qa"
    limit: int = 0  # 0: every question (or interaction)
    sample: Literal["spread", "first"] = "spread"
    split: str = ""  # keep only rows of this split
    distractors: int | None = None  # ingest gold documents plus N others; None: whole corpus
    mode: Mode = "hybrid"
    top_k: int = 50  # chunks retrieved per question (documents are their first appearances)
    answers: bool = True
    answer_top_k: int = 5
    corpus: str = ""  # files or folders to ingest instead of the set's corpus.jsonl


@dataclass(frozen=True)
class Suite:
    """What `casebook eval run` runs."""

    name: str
    sets: list[DataSet]
    gates: list[Gate] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    index: Literal["fresh", "existing"] = "fresh"
    tenant: str = "default"  # the tenant scored when index = "existing"
    source: Path | None = None


def datasets_root() -> Path:
    """CASEBOOK_DATASETS, else ../shared/datasets next to the repository."""
    env = os.environ.get("CASEBOOK_DATASETS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "datasets"


def find_suite(name_or_path: str) -> Path:
    """A shipped suite by name (smoke, full) or a suite file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SuiteError(f"no suite file at {path}")
        return path
    shipped = SUITES_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        names = ", ".join(sorted(p.stem for p in SUITES_DIR.glob("*.toml")))
        raise SuiteError(f"unknown suite {name_or_path!r} (shipped: {names}; or give a path)")
    return shipped


def _data_path(data: str, suite_dir: Path, root: Path) -> Path:
    """Absolute as given, else beside the suite file when there, else under the datasets root."""
    path = Path(data).expanduser()
    if path.is_absolute():
        return path
    return suite_dir / path if (suite_dir / path).exists() else root / path


def _gate(metric: str, bound: Any) -> Gate:
    if not isinstance(bound, dict) or not set(bound) <= {"min", "max"} or not bound:
        raise SuiteError(f"gate {metric!r} must be {{min = x}} and/or {{max = y}}")
    return Gate(metric, bound.get("min"), bound.get("max"))


def load_suite(name_or_path: str, root: Path | None = None) -> Suite:
    """Read and check a suite file; data paths are resolved, not yet read."""
    path = find_suite(name_or_path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"cannot read suite {path}: {exc}") from exc
    root = root or (Path(raw["datasets_root"]) if "datasets_root" in raw else datasets_root())
    fields = set(DataSet.__dataclass_fields__) - {"path"}
    sets = []
    for entry in raw.get("sets") or []:
        unknown = set(entry) - fields - {"data"}
        if unknown or "data" not in entry:
            raise SuiteError(f"set {entry.get('name')!r}: needs data; unknown keys {unknown}")
        options = {k: v for k, v in entry.items() if k in fields}
        options.setdefault("name", Path(entry["data"]).name)
        if options.get("corpus"):
            options["corpus"] = str((path.parent / options["corpus"]).resolve())
        sets.append(DataSet(path=_data_path(entry["data"], path.parent, root), **options))
    if not sets:
        raise SuiteError(f"suite {path} names no [[sets]]")
    return Suite(
        name=str(raw.get("name") or path.stem),
        sets=sets,
        gates=[_gate(k, v) for k, v in (raw.get("gates") or {}).items()],
        settings=dict(raw.get("settings") or {}),
        index=raw.get("index", "fresh"),
        tenant=str(raw.get("tenant", "default")),
        source=path,
    )
