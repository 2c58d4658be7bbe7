"""Cases from real use: interactions an agent's turn resolved or answered, and negative feedback
on answers.

An interaction makes a case when ``casebook.resolution.find_fix`` finds the agent sentence that
fixed it (an action taken, or an instruction the customer confirmed worked; hand-offs and
referrals do not count), or, when nothing was fixed, when the customer opened with a question
and the agent's reply answered it (doc2dial's agents answer from documents). Both must pass
``mining.quality``: a question with content, an answer that stands on its own; and an answer
(not a fix) must be judged by the answer reranker to answer the question (``MIN_FIT``). The
question is
the customer's opening turns with @handles, links and signatures stripped; the gold documents
are those the interaction cited, never the interaction itself (``exclude_doc_ids`` names it).
Every case starts unreviewed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from answers.reranker import Reranker, packaged_reranker, passage_text, query_text
from casebook.feedback import FeedbackStore
from casebook.index import Index
from casebook.interactions import Interaction, interaction_from_payload
from casebook.store.base import Condition, Where
from mining.quality import asks, has_content, informative, stands_alone
from summaries.cues import SIGNATURE, clean, sentences
from summaries.resolution import STAFF_ROLES, find_fix

UNREVIEWED = "unreviewed"
NAME_LINE = re.compile(r"^[A-Z][a-z'-]+(?:\s+[A-Z][a-z'-]+){0,2}\.?$")  # a bare name signing off
# The reranker's calibrated even odds, the answerer's own default: a case is kept when its
# expected answer is at least as likely as not to answer its question. Not tuned on reviews.
MIN_FIT = 0.5
Fit = Callable[[str, str], float]  # (question, answer) -> chance the answer answers it
COMMENT_LEAD = re.compile(  # "it should say ...", "the answer is ...": what a right answer says
    r"^(?:it|this|the answer|that)?\s*(?:should (?:say|be|read|mention|state)|is actually|"
    r"(?:correct|right) answer is|must say)\s*(?:that\s+)?:?\s*",
    re.IGNORECASE,
)


def problem(interaction: Interaction) -> str:
    """The customer's opening turns, up to the first staff reply, cleaned of handles, links and
    signatures."""
    texts: list[str] = []
    for turn in interaction.turns:
        if turn.role in STAFF_ROLES:
            if texts:
                break
            continue
        if turn.role == "customer":  # "... Can you fix this? Thanks, Priya Sandoval"
            said = [s for s in sentences(clean(turn.text)) if not SIGNATURE.match(s)]
            if said and len(said) > 1 and NAME_LINE.match(said[-1]):  # "... Any idea? Marta Lind"
                said.pop()
            texts.append(" ".join(" ".join(said).split()))
    return " ".join(t for t in texts if t)


def opening_answer(interaction: Interaction) -> str:
    """The informative sentences of the agent's reply to the customer's opening turns, up to its
    first question ("" when it has none)."""
    opened = False
    for turn in interaction.turns:
        opened = opened or turn.role == "customer"
        if opened and turn.role in STAFF_ROLES:
            said = sentences(clean(turn.text))
            asked = next((n for n, s in enumerate(said) if s.rstrip().endswith("?")), len(said))
            return " ".join(s for s in said[:asked] if informative(s))
    return ""


def expected(interaction: Interaction, question: str) -> tuple[str, str, str | None]:
    """(expected answer, kind, confirmation): the confirmed fix, else the answer to an opening
    question; ("", "", None) when there is neither, or the fix hands the problem on."""
    fix = find_fix([(t.role, sentences(clean(t.text))) for t in interaction.turns])
    if fix is not None:  # an action the customer did not acknowledge may not have fixed it
        if fix.hands_off or fix.confirmation is None:
            return "", "", None
        return fix.text, fix.kind, fix.confirmation[1]
    answer = opening_answer(interaction) if asks(question) else ""
    return answer, "answer" if answer else "", None


def interaction_case(interaction: Interaction) -> dict[str, Any] | None:
    """The case an interaction makes, or None when no agent turn resolved or answered it well."""
    question = problem(interaction)
    answer, kind, confirmation = expected(interaction, question)
    if not (answer and has_content(question) and stands_alone(answer)):
        return None
    source = interaction.interaction_id
    cited = [str(d) for d in interaction.metadata.get("cited_doc_ids") or [] if str(d) != source]
    return {
        "qid": f"interaction:{source}",
        "question": question,
        "history": [],
        "reference_answer": answer,
        "gold_doc_ids": cited,
        "answerable": True,
        "review": UNREVIEWED,
        "metadata": {
            "source": "interaction",
            "interaction_id": source,
            "exclude_doc_ids": [source],  # the interaction holds the fix: finding it is no test
            "fix_kind": kind,
            "confirmation": confirmation,
        },
    }


def reranker_fit(reranker: Reranker | None = None) -> Fit:
    """The answer reranker's calibrated chance that an answer answers a question."""
    model = reranker or packaged_reranker()

    def fit(question: str, answer: str) -> float:
        logit = model.logits(query_text(question), [passage_text("", "", answer)])[0]
        return model.probability(logit)

    return fit


def fitting(cases: Iterable[dict[str, Any]], fit: Fit) -> list[dict[str, Any]]:
    """The cases, less the answers (not fixes) that do not answer their question (fit below
    MIN_FIT), each answer with its fit in its metadata: phrase rules cannot tell "Of course
    Loans must be repaid." from an answer to the question asked. A fix is kept on its own
    evidence (the customer confirmed it): a complaint is no question the reranker learned."""
    kept = []
    for case in cases:
        if case["metadata"]["fix_kind"] != "answer":
            kept.append(case)
            continue
        score = fit(case["question"], case["reference_answer"])
        if score >= MIN_FIT:
            kept.append(case | {"metadata": case["metadata"] | {"fit": round(score, 3)}})
    return kept


def from_records(
    interactions: Iterable[Interaction], fit: Fit | None = None
) -> list[dict[str, Any]]:
    """One case per interaction resolved or answered well, sorted by id."""
    made = [c for c in (interaction_case(i) for i in interactions) if c is not None]
    return distinct(sorted(fitting(made, fit or reranker_fit()), key=lambda c: c["qid"]))


def distinct(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases, each question and answer once (the first): two dialogues that say the same
    thing make one case."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for case in cases:
        said = tuple(" ".join(case[k].lower().split()) for k in ("question", "reference_answer"))
        if said not in seen:
            seen.add(said)
            out.append(case)
    return out


def from_interactions(index: Index, tenant: str) -> list[dict[str, Any]]:
    """The cases of the tenant's interactions in the index."""
    where = Where(must=(Condition("tenant", (tenant,)), Condition("kind", ("resolution",))))
    return from_records(interaction_from_payload(p.payload) for p in index.store.scroll(where))


def expected_from(comment: str) -> str:
    """What a feedback comment says the answer should hold ("should say the default is $50"
    -> "the default is $50")."""
    return COMMENT_LEAD.sub("", " ".join(comment.split())).strip()


def from_feedback(store: FeedbackStore, tenant: str) -> list[dict[str, Any]]:
    """One case per thumbs-down that names the documents the answer should have cited or says
    in its comment what the answer should have said."""
    cases: list[dict[str, Any]] = []
    for record in store.read(tenant):
        expected = expected_from(record.get("comment") or "")
        if record.get("rating") != "down" or not (record.get("expected_doc_ids") or expected):
            continue
        cases.append(
            {
                "qid": f"feedback:{record.get('feedback_id', len(cases))}",
                "question": record.get("question", ""),
                "history": record.get("history") or [],
                "reference_answer": expected,
                "gold_doc_ids": list(record.get("expected_doc_ids") or []),
                "answerable": True,
                "review": UNREVIEWED,
                "metadata": {
                    "source": "feedback",
                    "answer_id": record.get("answer_id"),
                    "cited_doc_ids": record.get("cited_doc_ids") or [],
                    "comment": record.get("comment", ""),
                },
            }
        )
    return cases


def mine(index: Index, store: FeedbackStore, tenant: str, limit: int = 0) -> list[dict[str, Any]]:
    """Feedback cases first (the rarer, sharper signal), then resolved interactions."""
    cases = from_feedback(store, tenant) + from_interactions(index, tenant)
    return cases[:limit] if limit else cases


def write_mined(cases: list[dict[str, Any]], out: Path, tenant: str) -> Path:
    """queries.jsonl in a folder beside `out`, and `out`: a suite scoring it on the live index."""
    folder = out.parent / f"{out.stem}-cases"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for case in cases:
            handle.write(json.dumps(case, ensure_ascii=False) + "\n")
    out.write_text(
        "# Mined by `casebook eval mine` for review: set each case's review to usable or\n"
        "# delete it, then add gates.\n"
        f'name = "{out.stem}"\nindex = "existing"\ntenant = "{tenant}"\n\n'
        f'[[sets]]\nname = "mined"\ndata = "{folder.name}"\n',
        encoding="utf-8",
    )
    return folder
