"""The fix in a support interaction: the agent sentence that did or instructed what solved it.

A fix is either an action the agent reports having taken ("I've refunded...", "we've issued...",
"your order has been cancelled") or a concrete instruction ("Please reset...", "The fix is to
fit...") that the customer then confirms worked ("That worked", "it's back online", "Done", "no
error this time"). Questions, greetings, apologies, diagnoses ("I can see two subscriptions"),
timelines ("you'll see it in 3-10 days"), requests for details and sign-offs match neither. A
customer's "still not working" rules out every fix before it. Of the fixes left, a confirmed one
beats an unconfirmed one, a fix beats a hand-off ("I've escalated this"), the later turn beats
the earlier, then (within a turn) an action beats an instruction and the sentence with the most
actions wins. Sentences are used as given, so the fix can be quoted verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

STAFF_ROLES = ("agent", "bot")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Handing the problem to another team: a fix that leaves the case escalated.
HAND_OFF_VERBS = r"escalated|raised|reported|submitted|logged|passed|forwarded|flagged|referred|fed"
HAND_OFF = re.compile(rf"(?:{HAND_OFF_VERBS})")
# Other staff, the receivers of a referral ("sent your chats through to one of our Managers",
# "updated your case for our specialist") or its subject ("staff have now been updated").
STAFF = r"(?:managers?|specialists?|supervisors?|staff|teams?|departments?|colleagues?|experts?)"
REFERRAL = re.compile(
    rf"^[^,;.]*?\b(?:one of |to |for |with )?(?:our|the|a|an) (?:[\w-]+ )?{STAFF}\b"
)
STAFF_SUBJECT = re.compile(rf"\b{STAFF}\s*$")
# Past tenses of what an agent does to fix something ("I've refunded", "we have cancelled").
DONE_VERBS = (
    r"refunded|cancell?ed|credited|reimbursed|compensated|waived|reversed|voided|issued|re-?issued|"
    r"processed|sent|re-?sent|shipped|dispatched|ordered|replaced|exchanged|created|opened|"
    r"arranged|booked|rebooked|scheduled|changed|updated|corrected|amended|adjusted|fixed|"
    r"resolved|repaired|reset|restored|reinstated|reactivated|activated|deactivated|enabled|"
    r"disabled|unlocked|unblocked|unsuspended|released|removed|deleted|added|applied|upgraded|"
    r"downgraded|switched|moved|transferred|merged|extended|renewed|approved|authori[sz]ed|"
    r"cleared|refreshed|reconnected|restarted|rebooted|installed|reinstalled|" + HAND_OFF_VERBS
)
DONE = re.compile(rf"\b(?:{DONE_VERBS})\b")
ADVERBS = r"(?: (?:just|now|also|already|since|gone ahead and|went ahead and))*"
ACTIVE = re.compile(  # "I've refunded", "we have just sent", "I changed"
    rf"\b(?:i|we)(?:'ve| have| had)?{ADVERBS} (?P<verb>{DONE_VERBS})\b"
)
PASSIVE = re.compile(  # "your order has been cancelled"; not "would have been"
    rf"(?<!would )(?<!could )(?<!should )(?<!may )(?<!might )(?<!must )"
    rf"\b(?:has|have){ADVERBS} been (?P<verb>{DONE_VERBS})\b(?! by them)(?!.*\bdue to\b)"
)
# Words before the action that make it something other than a report of a fix.
CONDITIONAL = re.compile(r"\b(?:once|when|after|if|as soon as|until|unless|before)\b")
PROMISED = re.compile(r"\b(?:will|'ll|shall|going to)\b")  # "we will update our records to show..."
NEGATED = re.compile(r"\b(?:nothing|no one|nobody|none|not|never)\W+(?:\w+\W+)?$")
RELATIVE = re.compile(r"\b(?:the|that|those|these|any|all)\s+(?:[\w-]+\s+){1,2}$")  # "the link we"
ASKED = re.compile(r"\b(?:would|could|can|will|did|do|does|shall) you\b")
QUESTION_START = re.compile(
    r"^(?:can|could|would|will|did|do|does|have|has|is|are|was|were|may|what|when|where|which|"
    r"who|why|how)\b"
)
HEDGE = re.compile(r"\b(?:hope|hoping|(?:good|glad|happy|great) to hear)\b")
CONTACT_ONLY = re.compile(  # "we've sent you a DM", "please update us": a next step, not a fix
    r"\b(?:dms?|direct messag\w*|private message|pm|inbox|sent you a (?:message|note|reply)|"
    r"followed you|follow us|update us|keep us (?:posted|updated)|further assist\w*|"
    r"assist you further)\b"
)

# An instruction: a cue ("please", "you can") before a fix verb, a stated purpose ("the fix
# is"), or a fix verb opening the sentence.
INSTRUCTION_CUE = re.compile(
    r"\b(?:please|try|you(?:'ll| will)? (?:can|could|need to|should|have to|may want to|"
    r"might want to)|you need to)"
    r"(?: (?:also|then|now|first|simply|just|kindly|go ahead and|try|to))* ([a-z'-]+(?: not)?)"
)
PURPOSE = re.compile(  # "The fix is to...", "To resolve a blue screen error, check..."
    r"\b(?:the (?:fix|solution|workaround) is|to (?:fix|resolve|solve|sort out) "
    r"(?:this|that|it|the|an?|your)\b[^,.:;]*,|this (?:should|will) (?:fix|resolve|solve))"
)
IMPERATIVE = re.compile(
    r"^(?:(?:so|then|now|first|next|and|ok|okay|alright),? )*(?:turn|restart|reset|reboot|"
    r"update|upgrade|reinstall|install|uninstall|fit|connect|disconnect|unplug|plug|set|go|"
    r"open|close|remove|delete|clear|invite|change|switch|enable|disable|toggle|hold|press|tap|"
    r"click|select|swap|replace|move|sign|log|power|force|download|pair|re-?pair|re-?enter|"
    r"enter|use)\b"
)
# Words after a cue that ask for something, set expectations, or are no verb at all.
NOT_FIX_VERBS = _words(
    "check look see read tell let send dm share provide confirm verify contact reach follow "
    "call email message chat reply respond report submit fill drop visit note allow wait bear "
    "keep be feel accept know expect never don't could can would may might will we you i "
    "a an the this that these it again out here still"
) | {"do not"}

WORKED = re.compile(  # the customer says the fix worked
    r"\b(?:(?:that|it|this|which)(?:'s| is| has)? (?:worked|works|working|fixed|did it|"
    r"did the trick|sorted|solved|resolved|helped)|works? (?:now|again|fine|perfectly|great|"
    r"flawlessly)|working (?:now|again|fine)|(?:^|all |now |it's |its |is |it |problem |issue |"
    r"been |thanks,? )(?:fixed|sorted|solved|resolved)|(?:'s|is|are|came|comes|come|been|went|"
    r"now) back (?:on|online|up|to normal)|no (?:more )?(?:errors?|issues?|problems?|drops?) "
    r"(?:now|any ?more|since|this time)|no \S+ any ?more|all good now|^done\b|got it working|"
    r"managed to)"
)
# "It works flawlessly with the Netflix app": something else works, which is a clue, not a fix
ELSEWHERE = re.compile(
    r"\bworks? (?:fine|perfectly|great|flawlessly) (?:with|on|in) (?:the|my|other|another|every)\b"
)
THANKS = re.compile(r"\b(?:thanks?|thank you|thx|ty|cheers|perfect|great|brilliant|awesome)\b")
STILL_BROKEN = re.compile(  # the customer says the problem is still there
    r"\b(?:still (?:not|no|doesn't|does not|don't|won't|can't|cannot|isn't|is not|aren't|"
    r"having|getting|seeing|showing|shows|broken|the same|happening|failing|charged|down|"
    r"waiting)|but (?:it's |it is |it |they're )?still|(?:not|isn't|doesn't|don't|didn't|won't|"
    r"wasn't|hasn't) (?:work|help|fix|solve|resolve|change)\w*|same (?:problem|issue|error|"
    r"thing)|no (?:luck|change|difference)|nothing (?:changed|happened)|(?:happened|happening|"
    r"broke|stopped working|failed|crashed|showing|shows|down) again|"
    r"(?:it|it's|it is|they|they're|keeps?) (?!work)\w+(?: up| out| down)? again)\b"
)


@dataclass(frozen=True)
class Fix:
    """The fixing sentence (turn and text), its kind, and the customer's confirmation if any."""

    turn: int
    text: str
    kind: str  # "action" or "instruction"
    confirmation: tuple[int, str] | None = None  # (turn, sentence) where the customer confirms

    @property
    def hands_off(self) -> bool:
        """The fix only passes the problem on ("I've escalated this to billing", "I have sent
        your chats through to one of our Managers")."""
        lower = _lower(self.text)
        found = [(p, m) for p in (ACTIVE, PASSIVE) for m in p.finditer(lower)]
        return bool(found) and all(_passes_on(lower, p, m) for p, m in found)


def _passes_on(lower: str, pattern: re.Pattern[str], match: re.Match[str]) -> bool:
    """The action in `match` hands the problem on: an escalation, or a referral to staff."""
    if HAND_OFF.fullmatch(match.group("verb")):
        return True
    if pattern is PASSIVE:
        return STAFF_SUBJECT.search(lower[: match.start()]) is not None
    return REFERRAL.match(lower[match.end() :]) is not None


def _lower(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def is_action(text: str) -> bool:
    """An agent sentence reporting a fix already made ("I've refunded the duplicate charge")."""
    lower = _lower(text)
    if HEDGE.search(lower) or CONTACT_ONLY.search(lower):
        return False
    for pattern in (ACTIVE, PASSIVE):
        for match in pattern.finditer(lower):
            before = lower[: match.start()]
            asked = lower.rstrip().endswith("?") and (
                QUESTION_START.match(lower) or ASKED.search(before)
            )
            relative = pattern is ACTIVE and RELATIVE.search(before)
            hedged = CONDITIONAL.search(before) or NEGATED.search(before) or PROMISED.search(before)
            if not (asked or relative or hedged):
                return True
    return False


def is_instruction(text: str) -> bool:
    """An agent sentence telling the customer how to fix it ("Please reset the thermostat")."""
    lower = _lower(text)
    if lower.rstrip().endswith("?") or HEDGE.search(lower) or CONTACT_ONLY.search(lower):
        return False
    cue = INSTRUCTION_CUE.search(lower)
    if cue and cue.group(1) not in NOT_FIX_VERBS:
        return True
    return PURPOSE.search(lower) is not None or IMPERATIVE.match(lower) is not None


def confirms(text: str) -> bool:
    """A customer sentence saying the fix worked ("That worked", "no E22 any more")."""
    lower = _lower(text)
    asks = lower.rstrip().endswith("?")
    elsewhere = ELSEWHERE.search(lower) is not None and "now" not in lower
    return WORKED.search(lower) is not None and not (asks or elsewhere or still_broken(text))


def still_broken(text: str) -> bool:
    """A customer sentence saying the problem is still there ("still not working")."""
    return STILL_BROKEN.search(_lower(text)) is not None


def _kind(text: str) -> str:
    """The kind of fix an agent sentence is: "action", "instruction" or "" (neither)."""
    return "action" if is_action(text) else "instruction" if is_instruction(text) else ""


def find_fix(turns: Sequence[tuple[str, Sequence[str]]]) -> Fix | None:
    """The fix among (role, sentences) turns in order, or None when no agent sentence fixed it."""
    # A customer's reply belongs to the latest agent turn with a candidate before it. An action
    # counts on its own (a reply that confirms or thanks marks it confirmed); an instruction
    # counts only when a reply says it worked. A "still broken" rules out all candidates so far.
    candidates: list[tuple[int, int, str, str]] = []  # (turn, position in turn, sentence, kind)
    replies: dict[int, list[tuple[int, str]]] = {}  # candidate turn -> customer sentences after
    for number, (role, said) in enumerate(turns):
        if role in STAFF_ROLES:
            found = [(number, i, s, _kind(s)) for i, s in enumerate(said) if _kind(s)]
            if found:
                candidates += found
                replies[number] = []
        elif role == "customer":
            for text in said:
                if still_broken(text):
                    candidates = []  # whatever was tried before did not fix it
                elif replies:
                    replies[max(replies)].append((number, text))
    fixes = []
    for turn, position, text, kind in candidates:
        after = replies[turn]
        confirmation = next((r for r in after if confirms(r[1])), None)
        if confirmation is None and kind == "action":
            confirmation = next((r for r in after if THANKS.search(_lower(r[1]))), None)
        if kind == "action" or confirmation is not None:
            fix = Fix(turn, text, kind, confirmation)
            done = len(DONE.findall(_lower(text)))
            rank = (confirmation is not None, not fix.hands_off, turn, kind == "action", done)
            fixes.append(((*rank, -position), fix))
    return max(fixes, key=lambda f: f[0])[1] if fixes else None
