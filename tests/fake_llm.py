"""An OpenAI-compatible chat server for tests: real HTTP (and SSE) on 127.0.0.1, scripted.

Each request to POST /v1/chat/completions takes the next scripted ``Script`` (else the
default), is recorded, and is answered as the OpenAI API would: a chat.completion, or with
``"stream": true`` chat.completion.chunk events and ``data: [DONE]``. A script can answer
slowly (past the client's timeout), fail with a status, or stall in the middle of a stream.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Request = dict[str, Any]


@dataclass
class Script:
    """One reply: text (or a function of the request), sent after delay, in pieces."""

    text: str | Callable[[Request], str] = ""
    status: int = 200
    delay: float = 0.0  # seconds before the reply starts
    piece_chars: int = 7  # streamed in chunks of this many characters
    stall_after: int | None = None  # streaming: after this many chunks, wait stall seconds
    stall: float = 0.0


class FakeLLM:
    """The server; ``url`` is its API base, ``requests`` every request body it received."""

    def __init__(self) -> None:
        self.replies: deque[Script] = deque()
        self.default = Script("I could not find this in the knowledge base.")
        self.requests: list[Request] = []
        self.stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(body)
                script = fake.replies.popleft() if fake.replies else fake.default
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    fake.reply(self, body, script)  # the client may have given up (timed out)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def script(self, *replies: Script) -> None:
        self.replies.extend(replies)

    def start(self) -> FakeLLM:
        self.thread.start()
        return self

    def close(self) -> None:
        self.stop.set()  # wakes handlers that are sleeping out a delay
        self.server.shutdown()
        self.server.server_close()

    def reply(self, handler: BaseHTTPRequestHandler, body: Request, script: Script) -> None:
        """Answer one request as the script says."""
        if script.delay and self.stop.wait(script.delay):
            return
        if script.status != 200:
            error = {"error": {"message": "scripted failure", "type": "server_error"}}
            self._send(handler, script.status, "application/json", json.dumps(error).encode())
            return
        text = script.text(body) if callable(script.text) else script.text
        if not body.get("stream"):
            self._send(handler, 200, "application/json", json.dumps(completion(text)).encode())
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()  # HTTP/1.0: the body ends when the connection closes
        pieces = [text[i : i + script.piece_chars] for i in range(0, len(text), script.piece_chars)]
        for n, piece in enumerate(pieces):
            if n == script.stall_after and self.stop.wait(script.stall):
                return
            handler.wfile.write(event(chunk({"content": piece})))
            handler.wfile.flush()
        handler.wfile.write(event(chunk({}, "stop")) + b"data: [DONE]\n\n")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, kind: str, data: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def event(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\n\n".encode()
