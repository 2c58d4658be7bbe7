"""The words and patterns an interaction summary reads: statuses, labels, cue words, and the
cleaning a turn's text gets before it is quoted (see summaries.interaction)."""

from __future__ import annotations

import html
import re

from casebook.sentences import split_sentences

STATUSES = ("resolved", "pending", "escalated", "unknown")
SECTIONS = ("issue", "actions", "resolution", "status")
STAFF_ROLES = ("agent", "bot")  # quoted for actions and resolution; "system" is never quoted
LABELS = {"customer": "Customer", "agent": "Agent", "bot": "Bot", "internal": "Internal note"}

# Status field values of ticketing systems, mapped to ours (anything else: read the turns).
STATUS_FIELD = {
    "resolved": "resolved", "solved": "resolved", "closed": "resolved", "done": "resolved",
    "escalated": "escalated", "pending": "pending", "open": "pending", "new": "pending",
    "waiting": "pending", "on-hold": "pending", "on_hold": "pending", "hold": "pending",
    "in progress": "pending", "in_progress": "pending",
}  # fmt: skip

URL = re.compile(r"(?:https?://|www\.)\S+")
HANDLE = re.compile(r"(?<!\w)@\w+")
COUNTER = re.compile(r"^\(?\d/\d\)?\s+|\s+\(?\d/\d\)?$")
SIGN_OFF = re.compile(r"(?:\s|(?<=[.!?]))(?:\^\s?[A-Za-z]{1,12}|[-–—~]\s?[A-Z][a-z]{1,12})$")
ORPHAN_PUNCTUATION = re.compile(r"\s+([,;:.!?])")
WORD = re.compile(r"[a-z0-9']+")
ERROR_CODE = re.compile(  # "E22", "error 403", "code 0x80070005": never trimmed from the issue
    r"\b(?:[A-Z]{1,3}-?\d{2,4}|(?i:error|code|err)\s*[#:]?\s*[A-Za-z]{0,3}-?\d+\w*)\b"
)
SIGNATURE = re.compile(  # a letter's closing line: "Regards, Tomasz Olenko", "Thanks, Priya"
    r"^(?i:(?:(?:kind|best|warm|many)\s+)?(?:regards|thanks|thank you|cheers|sincerely|best))"
    r"[,!.]?(?:\s+[A-Z][\w'-]*){0,3}[.!]?$"
)

PROBLEM = re.compile(
    r"\b(?:can ?not|can'?t|couldn'?t|won'?t|doesn'?t|didn'?t|isn'?t|aren'?t|haven'?t|not|no|"
    r"unable|error\w*|issue\w*|problem\w*|broken|fail\w*|crash\w*|stuck|missing|never|still|"
    r"wrong|charged|refund|cancel\w*|delay\w*|late|lost|help|why|keeps?|disappoint\w*|"
    r"terrible|worst|annoy\w*|frustrat\w*|complain\w*)\b"
)
REQUEST = re.compile(
    r"\b(?:please|try|could you|can you|would you|send|dm|direct message|check\w*|restart\w*|"
    r"reinstall\w*|updat\w*|reset\w*|clear\w*|visit|contact|reach out|call|follow\w*|confirm|"
    r"provide|share|look into|investigat\w*|we'll|we will|i'll|i will|let's|recommend\w*|"
    r"suggest\w*|advis\w*|need)\b"
)
OUTCOME = re.compile(
    r"\b(?:refund\w*|replace\w*|resolved|fixed|sorted|credit\w*|compensat\w*|escalat\w*|"
    r"passed|forwarded|raised|reported|arranged|rebook\w*|processed|issued|will be|has been|"
    r"have been|is now|are now|available|expected|within|unfortunately|unable)\b"
)
ESCALATED = re.compile(  # handed to another team or level
    r"\b(?:escalat\w*|(?:passed|forwarded|referred|handed)(?: on)?(?: \w+){0,2} (?:on )?to|"
    r"raised (?:this|it|a \w+) with|specialist team|tier (?:2|two|3|three)|"
    r"(?:to|with) (?:a|my|our|the) (?:supervisor|manager))\b"
)
CONFIRMED = re.compile(
    r"\b(?:works?|worked|working now|fixed|sorted|resolved|all good|that helps|helped|got it|"
    r"received|perfect|brilliant|awesome|appreciate\w*|thanks?|thank you|thx|cheers)\b"
)
CLOSING = re.compile(
    r"\b(?:glad|you'?re welcome|happy to help|my pleasure|any ?time|enjoy|good to go|all set|"
    r"taken care of|(?:is|are|has been|have been|now) (?:sorted|resolved|fixed)|"
    r"(?:i've|we've|i have|we have|has been|have been) (?:arranged|issued|processed|refunded|"
    r"credited|re-?sent|replaced))\b"
)
PENDING = re.compile(
    r"\b(?:dm|direct message|private message|follow(?:ing)? up|get back to you|be in touch|"
    r"look(?:ing)? into|investigat\w*|please (?:send|provide|share|confirm|reach|contact|call|"
    r"check|try|let)|reach(?:ing)? out|we'll|we will|i'll|i will|waiting|awaiting|shortly|"
    r"contact(?:ed)? you|will be contacted)\b"
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no content in a support chat: a sentence made only of these is a pleasantry.
PLEASANTRY = _words(
    "hi hello hey dear thanks thank thx ty cheers welcome glad happy great good nice awesome "
    "perfect ok okay sure sorry apologies apologize hear help assist assistance know let "
    "anything else further questions question hand lend day evening weekend morning night "
    "enjoy care feel free reach team message again much appreciate appreciated understanding "
    "patience wonderful lovely pleasure anytime time hope soon please yes yeah no problem "
    "worries definitely absolutely"
)


def clean(text: str) -> str:
    """A turn's text as it is quoted: no URLs, @handles, thread counters or trailing sign-off."""
    text = URL.sub(" ", HANDLE.sub(" ", html.unescape(text)))
    lines = []
    for line in text.split("\n"):
        line = ORPHAN_PUNCTUATION.sub(r"\1", " ".join(line.split()))  # "Hi @Sam, ok" -> "Hi, ok"
        line = SIGN_OFF.sub("", COUNTER.sub("", line)).lstrip(",;: ").strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def sentences(text: str) -> list[str]:
    """The sentences of cleaned text (each a substring of it), without wordless fragments."""
    spans = split_sentences(text)
    return [text[a:b] for a, b in spans if re.search(r"[^\W\d_]{2}", text[a:b])]
