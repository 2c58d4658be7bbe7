"""The text a sender wrote in one email: HTML made plain, quoted replies and signatures cut."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_BLOCK_TAGS = frozenset(
    {"address", "article", "aside", "blockquote", "div", "dl", "dt", "dd", "fieldset", "figure"}
    | {"footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav"}
    | {"ol", "p", "pre", "section", "table", "tr", "ul"}
)
# Quoted history and signatures in HTML mail (Gmail, Yahoo, Thunderbird, Apple Mail).
HTML_QUOTES = (
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
