"""The MCP server: search, answers, summaries and documents as tools for agents.

Over streamable HTTP at /mcp each request's API key is checked like any other route's and the
tools run in its tenant; over stdio (`casebook mcp`) they run as one local caller.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecurityMiddleware, TransportSecuritySettings
from mcp_types import ToolAnnotations
from pydantic import Field
from starlette.types import ASGIApp, Receive, Scope, Send

from answers.ask import Asked
from casebook import __version__
from casebook.documents import get_document as document_json
from casebook.errors import CasebookError
from casebook.shapes import to_json
from service.answering import answer_question as answer_json
from service.auth import OPEN_CALLER, ReaderDep
from service.deps import answering_of, check_limits, summarizer_of
from service.errors import detail_of, kind_of
from service.keys import Caller
from service.schemas import FILTERS_DESCRIPTION, ChatTurn
from summaries import summarizer
from summaries.summarizer import Subject

INSTRUCTIONS = (
    "Casebook is a support team's knowledge: help-centre documents, policies and past tickets, "
    "chats and calls. Search it, answer questions from it with [n] citations (an answer may "
    "abstain when the sources do not say), summarise an interaction, or read a whole document."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
# The SDK checks Host for loopback only by default; with API keys any host name may serve /mcp.
ANY_HOST = TransportSecuritySettings(enable_dns_rebinding_protection=False)
# Without keys the service is open on loopback only: refuse a page that rebinds a name to it.
LOOPBACK_ONLY = TransportSecurityMiddleware(
    TransportSecuritySettings(
        allowed_hosts=["127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
)

router = APIRouter()
TopK = Annotated[int, Field(ge=1, le=100, description="How many chunks (search) or sources.")]
FiltersArg = Annotated[dict[str, Any] | None, Field(description=FILTERS_DESCRIPTION)]


@contextmanager
def tool_errors() -> Iterator[None]:
    """Domain errors (not found, over a limit, a bad filter) reach the client as tool errors
    that start with the error's `type`, the same as REST's."""
    try:
        yield
    except CasebookError as exc:
        raise ToolError(f"{kind_of(exc).type}: {detail_of(exc)}") from exc


def create_mcp(state: Any, caller: Caller | None = None) -> MCPServer:
    """The tools over the app's state; each call runs as its HTTP request's caller, or as
    `caller` over stdio."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    server: MCPServer = MCPServer("casebook", version=__version__, instructions=INSTRUCTIONS)
    root.handlers[:] = handlers  # MCPServer configures root logging; that is the CLI's job
    root.setLevel(level)

    def caller_of(ctx: Context) -> Caller:
        request = ctx.request_context.request
        found = caller if request is None else getattr(request.state, "caller", None)
        if found is None:
            raise PermissionError("no caller: the request's API key was not checked")
        return found  # type: ignore[no-any-return]

    @server.tool(annotations=READ_ONLY)
    def search_knowledge(
        ctx: Context,
        query: Annotated[str, Field(min_length=1, description="What to look for.")],
        top_k: TopK = 5,
        filters: FiltersArg = None,
    ) -> dict[str, Any]:
        """Search the documents and support history (dense + BM25 fused); best chunks first."""
        who = caller_of(ctx)
        with tool_errors():
            check_limits(state.settings, text=query, top_k=top_k)
            hits = state.index.search(
                who.tenant, query, filters=filters or {}, top_k=top_k, audience=who.audience
            )
        return {"results": [to_json(hit) for hit in hits]}

    @server.tool(annotations=READ_ONLY)
    def answer_question(
        ctx: Context,
        question: Annotated[str, Field(min_length=1, description="The question to answer.")],
        history: Annotated[
            list[ChatTurn] | None, Field(description="Earlier turns {role, text}, oldest first.")
        ] = None,
        filters: FiltersArg = None,
        top_k: TopK = 5,
    ) -> dict[str, Any]:
        """Answer from the knowledge with [n] markers (citations[n-1]), or abstain with a reason
        (answerable false) when the sources do not say."""
        turns = [turn.model_dump() for turn in history or []]
        who = caller_of(ctx)
        with tool_errors():
            check_limits(state.settings, top_k=top_k)  # long conversations are trimmed
            asked = Asked(who.tenant, question, turns, filters, top_k, who.audience)
            return answer_json(answering_of(state), asked)

    @server.tool(annotations=READ_ONLY)
    def summarize_interaction(
        ctx: Context,
        interaction_id: Annotated[str | None, Field(description="A ticket, chat or call.")] = None,
        doc_id: Annotated[str | None, Field(description="Or any document's id.")] = None,
    ) -> dict[str, Any]:
        """Summarise an interaction (issue, actions, resolution, status, each sentence citing its
        turn), or with doc_id a document (its most central sentences). As /v1/summarize: written
        by the LLM when one is configured."""
        if (interaction_id is None) == (doc_id is None):
            raise ToolError("give either interaction_id or doc_id")
        who = caller_of(ctx)
        subject = Subject(who.tenant, interaction_id, doc_id, audience=who.audience)
        with tool_errors():
            return summarizer.summarize(summarizer_of(state), subject)

    @server.tool(annotations=READ_ONLY)
    def get_document(
        ctx: Context, doc_id: Annotated[str, Field(description="The document's id.")]
    ) -> dict[str, Any]:
        """A document (or interaction) whole: its chunks in order, and an interaction's turns."""
        who = caller_of(ctx)
        with tool_errors():
            return document_json(state.index, who.tenant, doc_id, who.audience)

    return server


class _Delegate(Response):
    """A response that hands the request on to an ASGI app."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@router.api_route("/mcp", methods=["GET", "POST", "DELETE"], include_in_schema=False)
async def mcp(request: Request, caller: ReaderDep) -> Response:
    """MCP over streamable HTTP, after the API key was checked as on every other route."""
    if caller is OPEN_CALLER:
        refused = await LOOPBACK_ONLY.validate_request(request)
        if refused is not None:
            return refused
    request.state.caller = caller
    return _Delegate(request.app.state.mcp_sessions.handle_request)


@asynccontextmanager
async def serve_http(app: FastAPI) -> AsyncIterator[None]:
    """Run /mcp's session manager while the app runs (enter it in the app's lifespan)."""
    server = create_mcp(app.state)
    # Stateless: every request stands alone, so no session outlives the key that opened it.
    server.streamable_http_app(stateless_http=True, json_response=True, transport_security=ANY_HOST)
    app.state.mcp_sessions = server.session_manager
    async with server.session_manager.run():
        yield
