"""Support interactions (tickets, chats, emails, calls): who said what, in order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["customer", "agent", "bot", "system", "internal"]
Channel = Literal["email", "chat", "phone", "ticket", "social"]

ROLES: tuple[str, ...] = ("customer", "agent", "bot", "system", "internal")
CHANNELS: tuple[str, ...] = ("email", "chat", "phone", "ticket", "social")

# Names other tools and datasets use for our roles and channels.
ROLE_ALIASES: dict[str, str] = {
    "user": "customer",
    "client": "customer",
    "end-user": "customer",
    "end_user": "customer",
    "requester": "customer",
    "contact": "customer",
    "lead": "customer",
    "caller": "customer",
    "admin": "agent",
    "assistant": "bot",
    "operator": "agent",
    "support": "agent",
    "representative": "agent",
    "rep": "agent",
    "note": "internal",
    "internal_note": "internal",
    "private": "internal",
}
CHANNEL_ALIASES: dict[str, str] = {
    "twitter": "social",
    "facebook": "social",
    "instagram": "social",
    "whatsapp": "chat",
    "messenger": "chat",
    "web": "ticket",
    "api": "ticket",
    "voice": "phone",
    "call": "phone",
    "sms": "chat",
    "conversation": "chat",
    "mail": "email",
}


def normalize_role(value: str) -> str:
    """Our role for a role name from any source ("user" -> "customer"); unknown names raise."""
    name = value.strip().lower()
    role = ROLE_ALIASES.get(name, name)
    if role not in ROLES:
        raise ValueError(f"unknown role {value!r} (expected one of {', '.join(ROLES)})")
    return role


def normalize_channel(value: str) -> str:
    """Our channel for a channel name from any source ("twitter" -> "social")."""
    name = value.strip().lower()
    channel = CHANNEL_ALIASES.get(name, name)
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {value!r} (expected one of {', '.join(CHANNELS)})")
    return channel


@dataclass(frozen=True)
class Turn:
    """One message or utterance, in conversation order."""

    role: str
    text: str
    author: str = ""
    timestamp: str = ""  # ISO 8601 when known

    def to_json(self) -> dict[str, str]:
        """Not in field order: payloads and /v1/documents have always put the text last."""
        return {
            "role": self.role,
            "author": self.author,
            "timestamp": self.timestamp,
            "text": self.text,
        }


@dataclass(frozen=True)
class Interaction:
    """A ticket, chat, email thread or call, with its turns and what is known about it."""

    interaction_id: str
    channel: str
    turns: list[Turn]
    subject: str = ""
    customer_id: str = ""
    created_at: str = ""
    updated_at: str = ""
    resolved_at: str = ""
    status: str = ""
    priority: str = ""
    tags: list[str] = field(default_factory=list)
    product: str = ""
    csat: float | None = None
    language: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def fields(self) -> dict[str, Any]:
        """The interaction's attributes (over its source metadata) as stored in chunk metadata."""
        out: dict[str, Any] = {
            "interaction_id": self.interaction_id,
            "channel": self.channel,
            "subject": self.subject,
            "customer_id": self.customer_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "resolved_at": self.resolved_at,
            "status": self.status,
            "priority": self.priority,
            "tags": list(self.tags),
            "product": self.product,
            "csat": self.csat,
            "language": self.language,
        }
        return self.metadata | {k: v for k, v in out.items() if v not in ("", None, [])}


# The resolution chunk's text when no fix was found in the interaction.
NO_RESOLUTION = "(none recorded)"
RESOLUTION_LABEL = "Resolution: "  # the resolution chunk's second line starts so

TEXT_FIELDS = (
    "subject",
    "customer_id",
    "created_at",
    "updated_at",
    "resolved_at",
    "status",
    "priority",
    "product",
    "language",
)
_CHUNK_FIELDS = {"interaction_id", "channel", "tags", "csat", "visibility", "outcome", *TEXT_FIELDS}


def interaction_from_payload(payload: dict[str, Any]) -> Interaction:
    """Rebuild an interaction from a stored resolution chunk (its turns and metadata)."""
    meta = dict(payload.get("metadata") or {})
    return Interaction(
        interaction_id=str(meta.get("interaction_id") or payload.get("doc_id", "")),
        channel=str(meta.get("channel", "chat")),
        turns=[
            Turn(
                role=t.get("role", ""),
                text=t.get("text", ""),
                author=t.get("author", ""),
                timestamp=t.get("timestamp", ""),
            )
            for t in payload.get("turns") or []
        ],
        tags=list(meta.get("tags") or []),
        csat=meta.get("csat"),
        metadata={k: v for k, v in meta.items() if k not in _CHUNK_FIELDS},
        source=str(payload.get("source", "")),
        **{name: str(meta.get(name, "")) for name in TEXT_FIELDS},
    )
