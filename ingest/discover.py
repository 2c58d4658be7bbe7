"""Expand the paths given to `casebook ingest` into the files to read, with their document ids."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.readers.files import FILE_TYPES

JSONL_TYPES = frozenset({".jsonl", ".ndjson"})
INTERACTION_TYPES = frozenset({".mbox", ".vtt", ".srt", ".json"})
SUPPORTED = FILE_TYPES | JSONL_TYPES | INTERACTION_TYPES


@dataclass(frozen=True)
class Item:
    """One file to read: where it is and its document id."""

    path: Path
    doc_id: str


@dataclass(frozen=True)
class Missing:
    """A path that was given but cannot be read at all."""

    path: Path
    reason: str


def _is_hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def discover(paths: Sequence[Path]) -> Iterator[Item | Missing]:
    """Files of supported types, recursively and sorted; unreadable paths as Missing.

    The document id of a file is its path relative to the folder given (or its name, for a
    file given directly). Files of other types inside folders are skipped silently.
    """
    for given in paths:
        if given.is_symlink() and not given.exists():
            yield Missing(given, "broken symbolic link")
        elif not given.exists():
            yield Missing(given, "no such file or directory")
        elif given.is_dir():
            try:
                found = sorted(given.rglob("*"))
            except OSError as exc:
                yield Missing(given, f"cannot list folder: {exc.strerror or exc}")
                continue
            for path in found:
                if _is_hidden(path, given) or path.suffix.lower() not in SUPPORTED:
                    continue
                if path.is_symlink() and not path.exists():
                    yield Missing(path, "broken symbolic link")
                elif path.is_file():
                    yield Item(path, path.relative_to(given).as_posix())
        elif given.is_file():
            yield Item(given, given.name)
        else:
            yield Missing(given, "not a regular file or folder")
