"""Who is calling: bearer API keys as FastAPI dependencies, role checks and a per-key rate limit.

`get_caller` reads the KeyStore at `app.state.keys`; with no key ever created the service is open
(tenant "default", role admin). When `app.state.rate_limiter` holds a RateLimiter, every
authenticated request also spends one of its key's tokens.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from casebook.errors import Forbidden, RateLimited, Unauthorized
from service.keys import PERMISSIONS, Caller, KeyStore

OPEN_CALLER = Caller(key_id="open", tenant="default", role="admin")


def get_caller(request: Request) -> Caller:
    """The caller the request's `Authorization: Bearer <key>` names (or the open caller)."""
    keys: KeyStore = request.app.state.keys
    if keys.is_empty():
        caller = OPEN_CALLER
    else:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise Unauthorized("missing or malformed Authorization header; send 'Bearer <key>'")
        found = keys.verify(key)
        if found is None:
            raise Unauthorized("invalid or revoked API key")
        caller = found
    request.state.key_id = caller.key_id  # for the access log; never the key itself
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is not None:
        limiter.check(caller.key_id)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require(permission: str) -> Callable[[Caller], Caller]:
    """A dependency that lets in only callers whose role grants the permission."""
    if not any(permission in granted for granted in PERMISSIONS.values()):
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(caller: CallerDep) -> Caller:
        if not caller.can(permission):
            raise Forbidden(f"role {caller.role!r} may not {permission}")
        return caller

    return dependency


ReaderDep = Annotated[Caller, Depends(require("read"))]  # search, fetch: every role
WriterDep = Annotated[Caller, Depends(require("write"))]  # upload, delete: admin
AdminDep = Annotated[Caller, Depends(require("manage"))]  # keys and other admin: admin


class RateLimiter:
    """A token bucket per key id, in memory: `burst` requests at once, refilled at a steady rate."""

    def __init__(
        self, rate_per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate_per_minute < 1 or burst < 1:
            raise ValueError("rate_per_minute and burst must be at least 1")
        self.rate = rate_per_minute / 60.0  # tokens per second
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key_id -> (tokens, last refill)
        self._lock = threading.Lock()
        self._clock = clock

    def check(self, key_id: str) -> None:
        """Spend one token of this key, or raise RateLimited saying when the next one comes."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1.0 - tokens) / self.rate)))
            self._buckets[key_id] = (tokens - 1.0, now)
