"""Whether an answer holds the kind of thing its question asks for (a name, a date, a number)."""

from __future__ import annotations

import re

from casebook.sentences import WORD

WH_PERSON = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
WH_PLACE = re.compile(r"^\s*where\b", re.IGNORECASE)
WH_TIME = re.compile(r"^\s*(?:when|what year|what date|what time)\b", re.IGNORECASE)
WH_NUMBER = re.compile(r"^\s*how (?:many|much|long|old|far|big|tall|often)\b", re.IGNORECASE)
NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|thousand|million|billion|dozen|half|once|twice)\b",
    re.IGNORECASE,
)
TIME = re.compile(
    r"\b(?:1\d{3}|20\d{2}|january|february|march|april|may|june|july|august|september|"
    r"october|november|december|century|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|today|tomorrow|yesterday|days?|weeks?|months?|years?|hours?)\b",
    re.IGNORECASE,
)
NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z]+")


def answer_type_match(question: str, answer: str) -> float:
    """1 when the answer holds what the question word asks for (a name for "who", a date for
    "when", a number for "how many"), 0 when it does not, 0.5 for other questions."""
    asked = set(WORD.findall(question.lower()))
    names = [m.group() for m in NAME.finditer(answer) if m.group().lower() not in asked]
    if WH_PERSON.search(question) or WH_PLACE.search(question):
        return 1.0 if names else 0.0
    if WH_TIME.search(question):
        return 1.0 if TIME.search(answer) else 0.0
    if WH_NUMBER.search(question):
        return 1.0 if NUMBER.search(answer) or TIME.search(answer) else 0.0
    return 0.5
