"""Email threads from one .eml file or an .mbox archive, one interaction per thread.

Messages join a thread through Message-ID, In-Reply-To and References. Each message becomes a
turn holding only what its sender wrote: quoted replies and signatures are cut (see `new_text`),
so no text appears in two turns.
"""

from __future__ import annotations

import email
import mailbox
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from casebook.errors import ParseError
from casebook.interactions import Interaction, Turn
from ingest.readers.base import Failure, one_line
from ingest.readers.email_text import (
    HTML_QUOTES,
    html_to_text,
    iso_utc,
    new_text,
)

_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|tr|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class _Message:
    number: int  # 1-based position in the file
    key: str  # Message-ID, or a stand-in unique to this message
    message_id: str
    parents: tuple[str, ...]  # References, then In-Reply-To
    sender: str
    date: datetime
    subject: str
    text: str


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except LookupError:  # an unknown charset: read it as UTF-8 rather than lose the message
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return new_text(html_to_text(content, drop=HTML_QUOTES))
    return new_text(content)


def _parse(raw: bytes, number: int) -> _Message:
    """One message's headers and new text; raises ParseError naming the header at fault."""
    message = email.message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
    assert isinstance(message, EmailMessage)
    sender_header = message["From"]
    addresses = getattr(sender_header, "addresses", ()) if sender_header is not None else ()
    sender = addresses[0].addr_spec.lower() if addresses else ""
    if "@" not in sender:
        raise ParseError("missing or invalid From header")
    date_header = message["Date"]
    try:
        date = parsedate_to_datetime(str(date_header)) if date_header else None
    except (TypeError, ValueError):
        date = None
    if date is None:
        raise ParseError("missing or invalid Date header")
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    ids = _ANGLE_ID.findall(str(message["Message-ID"] or ""))
    message_id = ids[0] if ids else str(message["Message-ID"] or "").strip()
    parents = tuple(
        _ANGLE_ID.findall(str(message["References"] or ""))
        + _ANGLE_ID.findall(str(message["In-Reply-To"] or ""))
    )
    return _Message(
        number=number,
        key=message_id or f"\0{number}",
        message_id=message_id,
        parents=parents,
        sender=sender,
        date=date,
        subject=" ".join(str(message["Subject"] or "").split()),
        text=_body_text(message),
    )


def _raw_messages(path: Path) -> Iterator[bytes]:
    """The raw bytes of each message: many from an mbox (a file starting "From "), else one."""
    with path.open("rb") as handle:
        is_mbox = handle.read(5) == b"From "
    if not is_mbox:
        yield path.read_bytes()
        return
    box = mailbox.mbox(path, create=False)
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def _threads(messages: list[_Message]) -> list[list[_Message]]:
    """Messages grouped by the ids they share (union-find), in order of first appearance."""
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for message in messages:
        for other in message.parents:
            parent[find(other)] = find(message.key)
    groups: dict[str, list[_Message]] = {}
    for message in messages:
        groups.setdefault(find(message.key), []).append(message)
    return list(groups.values())


def _role(sender: str, customer: str, agent_domains: Collection[str]) -> str:
    if not agent_domains:
        return "customer" if sender == customer else "agent"
    domain = sender.rpartition("@")[2]
    is_agent = any(domain == d or domain.endswith("." + d) for d in agent_domains)
    return "agent" if is_agent else "customer"


def _interaction(
    thread: list[_Message], path: Path, agent_domains: Collection[str], single: bool
) -> Interaction:
    """The thread as an interaction; its id is the root Message-ID (the first one the earliest
    message refers to, else its own), or for a message without ids the file's stem, suffixed
    with the message's position when the file holds several."""
    thread = sorted(thread, key=lambda m: (m.date, m.number))
    first = thread[0]
    root = (first.parents[0] if first.parents else first.message_id) or (
        path.stem if single else f"{path.stem}-{first.number}"
    )
    domains = {d.lower().lstrip("@") for d in agent_domains}
    turns = [
        Turn(
            role=_role(m.sender, first.sender, domains),
            text=m.text,
            author=m.sender,
            timestamp=iso_utc(m.date),
        )
        for m in thread
        if m.text
    ]
    if not turns:
        raise ParseError("no message in the thread has text of its own")
    return Interaction(
        interaction_id=root,
        channel="email",
        turns=turns,
        subject=_SUBJECT_PREFIX.sub("", first.subject).strip(),
        created_at=iso_utc(first.date),
        updated_at=iso_utc(thread[-1].date),
        metadata={"messages": len(thread)},
        source=str(path.resolve()),
    )


def read_emails(
    path: Path, agent_domains: Collection[str] | None = None
) -> Iterator[Interaction | Failure]:
    """One interaction per thread; a message that cannot be read is a failure named by its
    1-based position ("archive.mbox#message-3"), and the other messages are still read.

    The first sender of a thread is the customer and everyone else an agent, unless
    `agent_domains` is given: then senders from those domains (or their subdomains) are agents
    and all others customers. A message repeated in the archive (same Message-ID) counts once.
    """
    messages: list[_Message] = []
    seen: set[str] = set()
    number = 0
    try:
        for number, raw in enumerate(_raw_messages(path), start=1):
            where = f"{path}#message-{number}"
            try:
                message = _parse(raw, number)
            except ParseError as exc:
                yield Failure(where, one_line(str(exc)))
                continue
            except Exception as exc:  # a hostile message must not stop the archive
                # Only the type: the exception's text may quote headers or body.
                yield Failure(where, f"cannot parse message: {type(exc).__name__}")
                continue
            if message.message_id and message.message_id in seen:
                continue
            seen.add(message.message_id)
            messages.append(message)
    except OSError as exc:
        yield Failure(str(path), one_line(f"cannot read file: {exc.strerror or exc}"))
        return
    if number == 0:
        yield Failure(str(path), "no email messages in the file")
    for thread in _threads(messages):
        try:
            yield _interaction(thread, path, agent_domains or (), single=number == 1)
        except ParseError as exc:
            first = min(m.number for m in thread)
            yield Failure(f"{path}#message-{first}", one_line(str(exc)))
