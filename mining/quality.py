"""What makes a mined case usable: a question with content, and an expected answer that stands
on its own.

The rules come from reviews of cases mined from TweetSumm and doc2dial (README, "Mining"): the
expected answer must be a statement that fixes or answers, not a question back, a promise ("we
will update our records"), a referral to people or another channel, a lead-in to a link or to
lines that are not there ("check this link:", "the following cmdlets:"), a sentence leaning on
the turn before ("If so, try...") or a tweet cut short ("...", ">>").
"""

from __future__ import annotations

import re

from casebook.sentences import STOPWORDS
from summaries.cues import PLEASANTRY
from summaries.resolution import CONTACT_ONLY

MIN_QUESTION_WORDS = 4  # "hi", "help!" and "@brand ???" are not questions
MIN_CONTENT_WORDS = 2  # "kindly need help on this matter AA! Tq" has none
MIN_ANSWER_CONTENT_WORDS = 3  # "Of course.", "Not at all." answer nothing on their own

WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
# Words of a plea for help that say nothing about the problem.
_FILLER = (
    "need needs want kindly matter issue issues problem problems asap urgent urgently pls plz "
    "tq thx guys someone anyone somebody u ur ya y'all yall sir madam regarding concern "
    "questions question info information ask asking like"
)
FILLER = frozenset(_FILLER.split())
NOT_AN_ANSWER = re.compile(
    r"\b(?:we|i)(?:'ll| will|'d| would| can)\b|"  # a promise or offer, not what was done
    r"\bwill (?:have|get back|get in touch|reply|respond|update|be in touch|contact you)\b|"
    r"\bshortly\b|\b(?:noted|received) your (?:concern|complaint|feedback|request)\b|"
    r"\blook(?:ing)? into\b|\binvestigat\w*|\b(?:provide|tell|send|share|dm) us\b|"  # asks
    r"\brequest you to\b|\btried (?:calling|to call|to reach|reaching)\b|"
    r"\b(?:not sure|never heard|not seeing|on our end|keep(?:ing)? an eye)\b|"  # none known
    r"\b(?:via|on|over) (?:twitter|social media)\b|"  # another channel
    r"\b(?:pros and cons|learn (?:more )?about|need to know|it is noteworthy)\b|"  # vague
    r"\b(?:find out|determine (?:if|whether)|on our (?:page|website|site)|check this)\b|"
    r"\b(?:managers?|specialists?|supervisors?|colleagues?|(?:relevant|right|our) "
    r"(?:team|department)|e-?mail|follow(?:ing)? up|final (?:decision|response))\b"
)
# A sentence that only greets or sympathises ("Hey, that doesn't sound fun!", "Let's look into
# what's going on"): left out of an agent's answer.
SYMPATHY = re.compile(
    r"\b(?:sorry|apolog\w*|thanks?|thank you|appreciate\w*|understand|hate that|help|impression|"
    r"right place|how (?:important|frustrating)|"
    r"(?:does not|doesn't) sound|(?:looks?|seems?) (?:rather |a bit |very )?(?:strange|odd)|"
    r"let's (?:look|take a look|get to the bottom|investigate)|(?:shouldn't|should not) be "
    r"happening|(?:don't|do not) want you to|must do better|not the \w+ way|we hope)\b"
)
LEANS_ON_BEFORE = re.compile(  # "If so, try...", "this should work": the referent is elsewhere
    r"^(?:if so|if not|if that|in (?:that|this) case|then|otherwise)\b|"
    r"\b(?:this|that|it) should work\b"
)
QUESTION_BACK = re.compile(
    r"\?|^(?:you want to know|do you|are you|would you like|did you|have you|is your|was your|"
    r"is it|are they)\b"
)
LEAD_IN = re.compile(  # what it points at (a link, the next lines) is not in the sentence
    r":\s*$|\b(?:visit|at|here|see|via|for|to|link|below|following|steps)\s*:|"
    r"\b(?:check|see|read|find|found|visit|up to date|more)\b.*\bhere\s*$|"
    r"\b(?:click here|(?:this|the|that|a|following) link|links? below|the following|"
    r"here (?:is|are)|here's|(?:these|the) steps (?:here|at|below|in)|see the section|"
    r"look at|as follows|there are (?:a few|several|some|many|different) (?:different )?ways)\b"
)
CUT_SHORT = re.compile(  # "..." or ">>" (a thread's part), "1", a last word needing more
    r"^(?:\.\.\.|…)|(?:\.\.\.|…|>>|&gt;|\s\d|\b(?:to|the|a|an|and|or|of|for|with|your|our|in|"
    r"on|at|by|from|that|up to))\s*$"
)
FRAGMENT = re.compile(r"^(?:if|when|because|since|unless|once|while)\b(?!.*(?:,| then ))")
PLACEHOLDER = re.compile(r"__\w+__")  # "__email__": an anonymised value, not an answer
ASKS = re.compile(  # an information-seeking opening: a question or a request to know
    r"\?|^(?:how|what|where|when|why|which|who|can|could|do|does|is|are|will|should|may)\b|"
    r"\b(?:i need to|i want to|i'd like to|i would like to|looking (?:for|to)|wondering|"
    r"tell me|give me|show me|wanted to know|(?:need|want|like|looking for|get)(?: [\w'-]+){0,3} "
    r"info\w*)\b"
)


def _lower(text: str) -> str:
    return " ".join(text.lower().replace("\u2019", "'").split())


def content_words(text: str) -> list[str]:
    """The words that say what it is about: not stop words, pleasantries or pleas for help."""
    noise = STOPWORDS | PLEASANTRY | FILLER
    return [w for w in WORD.findall(_lower(text)) if len(w) > 2 and w not in noise]


def informative(sentence: str) -> bool:
    """A sentence of an agent's reply that says something: not a greeting or sympathy."""
    lower = _lower(sentence)
    return len(content_words(lower)) >= MIN_CONTENT_WORDS and not SYMPATHY.search(lower)


def has_content(question: str) -> bool:
    """A question long enough and about something ("kindly need help on this matter" is not)."""
    return (
        len(question.split()) >= MIN_QUESTION_WORDS
        and len(content_words(question)) >= MIN_CONTENT_WORDS
    )


def asks(question: str) -> bool:
    """The customer seeks information ("How do I...?", "I need to know..."), not only complains."""
    return ASKS.search(_lower(question)) is not None


def stands_alone(answer: str) -> bool:
    """An expected answer that fixes or answers on its own, read without the interaction."""
    said = _lower(PLACEHOLDER.sub("", answer))
    text = said.rstrip(" .")  # "resent the itinerary to: __email__." ends with ":"
    refuses = (NOT_AN_ANSWER, LEANS_ON_BEFORE, QUESTION_BACK, LEAD_IN, FRAGMENT, CONTACT_ONLY)
    if any(CUT_SHORT.search(t) for t in (said, text)) or any(p.search(text) for p in refuses):
        return False
    return len(content_words(text)) >= MIN_ANSWER_CONTENT_WORDS
