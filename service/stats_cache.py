"""Index counts for /metrics without a full scroll per scrape."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from casebook.index import Index


class CachedStats:
    """`index.stats()`, recomputed only after this process wrote or deleted, or once the counts
    are `max_age_s` old (another process may write to a Qdrant server)."""

    def __init__(
        self,
        index_of: Callable[[], Index],
        max_age_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._index_of = index_of
        self._max_age_s = max_age_s
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[int, int] | None = None
        self._at = 0.0
        self._stats: list[dict[str, Any]] = []

    def __call__(self) -> list[dict[str, Any]]:
        index = self._index_of()
        key = (id(index), index.generation)
        with self._lock:
            now = self._clock()
            if key != self._key or now - self._at >= self._max_age_s:
                self._stats, self._key, self._at = index.stats(), key, now
            return self._stats
