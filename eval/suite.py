"""Suite files (TOML): the data to score, the settings to run with, and a gate per metric."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from casebook.index import Mode
from eval.suite_schema import SetSpec, SuiteError, parse_suite

SUITES_DIR = Path(__file__).parent / "suites"
Kind = Literal["qa", "summaries"]
__all__ = ["DataSet", "Gate", "Suite", "SuiteError", "load_suite", "parse_override"]


@dataclass(frozen=True)
class Gate:
    """A bound on one metric: at least `min`, at most `max`, or both."""

    metric: str
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class DataSet:
    """One set of questions (or interactions), the corpus for it, and how to sample and query."""

    name: str
    path: Path  # the data folder (or the queries file's folder)
    kind: Kind = "qa"
    limit: int = 0  # 0: every question (or interaction)
    sample: Literal["spread", "first"] = "spread"
    split: str = ""  # keep only rows of this split
    distractors: int | None = None  # ingest gold documents plus N others; None: whole corpus
    mode: Mode = "hybrid"
    top_k: int = 50  # chunks retrieved per question (documents are their first appearances)
    answers: bool = True
    answer_top_k: int = 5
    corpus: str = ""  # a corpus .jsonl, or files or folders to ingest (default: path's)
    queries: str = ""  # the queries.jsonl (default: path's)

    @property
    def queries_file(self) -> Path:
        """The questions' file."""
        return Path(self.queries) if self.queries else self.path / "queries.jsonl"


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
    overrides: dict[str, Any] = field(default_factory=dict)  # --set KEY=VALUE, as applied


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


def parse_override(item: str) -> tuple[str, Any]:
    """`KEY=VALUE` with VALUE read as a TOML value (0.9, true, ["a"]), else as a string."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise SuiteError(f"--set {item!r}: expected KEY=VALUE")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    return key.strip(), parsed


def _apply(raw: dict[str, Any], overrides: Sequence[tuple[str, Any]]) -> set[str]:
    """Put --set values into the raw suite: `key` a setting, `set.option` (or `sets.option`)."""
    keys = set()
    for key, value in overrides:
        target, _, option = key.rpartition(".")
        if not target:
            raw.setdefault("settings", {})[key] = value
        else:
            chosen = [s for s in raw.get("sets") or [] if target in ("sets", _set_name(s))]
            if not chosen:
                raise SuiteError(f"--set {key}: the suite has no set {target!r}")
            for entry in chosen:
                entry[option] = value
        keys.add(option or key)
    return keys


def _set_name(entry: dict[str, Any]) -> str:
    return str(entry.get("name") or Path(str(entry.get("data") or entry.get("queries"))).stem)


def _dataset(spec: SetSpec, n: int, suite_dir: Path, root: Path, where: str) -> DataSet:
    """A checked set with its paths resolved; a path that is not there is an error."""
    name = spec.name or Path(spec.data or spec.queries or f"set{n}").stem
    folder = _data_path(spec.data, suite_dir, root) if spec.data else None
    queries = str(_data_path(spec.queries, suite_dir, root)) if spec.queries else ""
    if queries and Path(queries).is_dir():
        queries = str(Path(queries) / "queries.jsonl")
    corpus = str((suite_dir / spec.corpus).resolve()) if spec.corpus else ""
    problems = []
    if folder is not None and not folder.is_dir():
        problems.append(f"data: no folder at {folder}")
    elif spec.kind == "summaries" and folder and not (folder / "interactions.jsonl").is_file():
        problems.append(f"data: no interactions.jsonl in {folder}")
    elif spec.kind == "qa":
        wanted = Path(queries) if queries else folder / "queries.jsonl"  # type: ignore[operator]
        if not wanted.is_file():
            problems.append(f"{'queries' if queries else 'data'}: no queries file at {wanted}")
    if corpus and not Path(corpus).exists():
        problems.append(f"corpus: nothing at {corpus}")
    if problems:
        raise SuiteError("\n".join(f"{where}: set {name!r}: {p}" for p in problems))
    options = spec.model_dump(exclude={"name", "data", "queries", "corpus"})
    path = folder if folder is not None else Path(queries).parent
    return DataSet(name=name, path=path, corpus=corpus, queries=queries, **options)


def load_suite(
    name_or_path: str, root: Path | None = None, overrides: Sequence[tuple[str, Any]] = ()
) -> Suite:
    """Read and check a suite file (schema, settings, paths) with --set overrides applied."""
    path = find_suite(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SuiteError(f"cannot read suite {path}: {exc}") from exc
    overridden = _apply(raw, overrides)
    checked = parse_suite(raw, text, str(path), overridden)
    root = root or (Path(checked.datasets_root) if checked.datasets_root else datasets_root())
    sets = [_dataset(s, n, path.parent, root, str(path)) for n, s in enumerate(checked.sets)]
    names = [s.name for s in sets]
    if len(set(names)) < len(names):
        raise SuiteError(f"{path}: two sets share a name: {sorted(names)}")
    return Suite(
        name=checked.name or path.stem,
        sets=sets,
        gates=[Gate(k, v.min, v.max) for k, v in checked.gates.items()],
        settings=dict(checked.settings),
        index=checked.index,
        tenant=checked.tenant,
        source=path,
        overrides=dict(overrides),
    )
