"""Request body size limits, enforced as the body arrives: 413 in the API's error shape.

FastAPI's own `max_body_size` answers a too-large Content-Length with a plain-text 413 from
outside the app's error handlers, so Casebook checks bodies itself: a declared length over
the limit is refused before the route runs, and a body that streams past it raises
PayloadTooLarge from `receive` (carried as an HTTPException, the one error FastAPI's body
reading lets through), which the app's handlers render like every other error.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from casebook.errors import PayloadTooLarge
from service.errors import CarriedError, error_response


class BodySizeLimit:
    """Refuse bodies over `limit_for(method, path)` bytes."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await error_response(PayloadTooLarge(limit))(scope, receive, send)
            return
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise CarriedError(PayloadTooLarge(limit))
            return message

        await self.app(scope, counting_receive, send)
