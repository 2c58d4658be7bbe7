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

_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure"}
    | {"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav"}
    | {"ol", "p", "pre", "section", "table", "tr", "ul"}
)
# Quoted history and signatures in HTML mail (Gmail, Yahoo, Thunderbird, Apple Mail).
_HTML_QUOTES = (
    "//blockquote | //*[contains(@class, 'gmail_quote')] | //*[contains(@class, 'gmail_signature')]"
    " | //*[contains(@class, 'yahoo_quoted')] | //*[contains(@class, 'moz-cite-prefix')]"
    " | //*[contains(@class, 'moz-signature')]"
)

_ATTRIBUTION = re.compile(
    r"^\s*(on\s.{0,300}\swrote|am\s.{0,300}\sschrieb|le\s.{0,300}\sa\s+écrit"
    r"|el\s.{0,300}\sescribió|op\s.{0,300}\sschreef)\s*:\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original)"
    r"\s*-{2,}\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{10,}\s*$")  # Outlook's line above its "From: ... Sent: ..." block
_HEADER_FROM = re.compile(r"^\s*\*?(from|von|de|van)\s*:\*?\s", re.IGNORECASE)
_HEADER_SENT = re.compile(r"^\s*\*?(sent|date|gesendet|datum|envoyé|enviado)\s*:\*?\s", re.I)
_FORWARD = re.compile(
    r"^\s*(-{3,}\s*forwarded message\s*-{3,}|begin forwarded message:)\s*$", re.IGNORECASE
)
_MOBILE = re.compile(
    r"^\s*(sent from my \w[\w .-]{0,40}|sent from (outlook|mail|yahoo mail|gmail)\b.{0,40}"
    r"|get outlook for \w+)\s*$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^\s*((best|kind|warm|warmest|many|with)\s+)?(regards|wishes|thanks|thank you|cheers"
    r"|sincerely|best|yours sincerely|yours truly|all the best)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs|tr|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")


def html_to_text(html: str, drop: str = "") -> str:
    """Readable text of an HTML fragment: one line per block, `drop` (an XPath) removed first."""
    import lxml.etree
    import lxml.html

    if not html.strip():
        return ""
    # A str, not bytes: bytes would let a <meta charset> re-decode text that is already decoded.
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html)  # lxml refuses a str with an XML declaration
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in root.xpath("//script | //style | //head" + (f" | {drop}" if drop else "")):
        if element is not root:
            element.drop_tree()
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        if tag == "br":
            element.tail = "\n" + (element.tail or "")
        elif tag in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    lines = [" ".join(line.split()) for line in root.text_content().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC ("2024-03-01T09:15:00Z"); a time without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _signoff_start(lines: list[str]) -> int | None:
    """Where a closing like "Best regards," starts, when it ends the text after some content."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for i in filled[-5:]:
        tail = [lines[j] for j in filled if j > i]
        if i != filled[0] and _SIGNOFF.match(lines[i]) and all(len(t.strip()) <= 60 for t in tail):
            return i
    return None


def _attribution_span(lines: list[str], i: int) -> int:
    """How many lines (1, or 2 if wrapped) an "On ... wrote:" line starting at i takes; 0: none."""
    if lines[i].strip()[:3].lower() not in ("on ", "am ", "le ", "el ", "op "):
        return 0
    return next((n for n in (1, 2) if _ATTRIBUTION.match(" ".join(lines[i : i + n]))), 0)


def new_text(body: str) -> str:
    """What the sender wrote, without quoted history or signature.

    Cut, with everything after: an "On <date>, <name> wrote:" line (also German, French,
    Spanish, Dutch) unless '>' lines follow it (then only that line goes, so inline answers
    between quotes stay); Outlook's "-----Original Message-----", its ruled line, or its
    "From: ... Sent:/Date: ..." header block; a "-- " signature delimiter; a mobile footer
    ("Sent from my iPhone", "Get Outlook for iOS"); a closing such as "Best regards," near the
    end. Lines starting with '>' are dropped. A forwarded message ("---------- Forwarded
    message ----------", "Begin forwarded message:") is kept whole: it is new to the thread.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    forward = next((i for i, line in enumerate(lines) if _FORWARD.match(line)), len(lines))
    kept: list[str] = []
    skip = 0
    for i, line in enumerate(lines[:forward]):
        if skip:
            skip -= 1
            continue
        after = [x for x in lines[i + 1 : i + 6] if x.strip()]
        if (
            _ORIGINAL.match(line)
            or (_RULE.match(line) and any(_HEADER_FROM.match(x) for x in after[:2]))
            or (_HEADER_FROM.match(line) and any(_HEADER_SENT.match(x) for x in after[:4]))
            or line.rstrip() == "--"
            or _MOBILE.match(line)
        ):
            break
        span = _attribution_span(lines, i)
        if span:
            following = [x for x in lines[i + span :] if x.strip()]
            if not following or not following[0].lstrip().startswith(">"):
                break
            skip = span - 1
            continue
        if not line.lstrip().startswith(">"):
            kept.append(line.rstrip())
    end = _signoff_start(kept)
    kept = kept[:end] if end is not None else kept
    kept += [line.rstrip() for line in lines[forward:]]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


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
        return new_text(html_to_text(content, drop=_HTML_QUOTES))
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
