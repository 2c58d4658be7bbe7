"""The reranker's training data: (question, candidate sentence, label) from doc2dial, CLAPNQ and
MTRAG, with TF-IDF hard negatives (see train_reranker.py)."""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from answers.reranker import passage_text, query_text  # noqa: E402
from casebook.sentences import split_sentences  # noqa: E402

SEED = 13
WORD = re.compile(r"[a-z0-9]+")
MIN_WORDS = 4
# doc2dial's user turns include statements ("Nope, earlier but..."): train on the questions
ASKS = re.compile(
    r"\?|^(?:what|how|when|where|who|why|which|can|could|do|does|did|is|are|will|would|should|"
    r"may|must|i need|i want|tell me)\b",
    re.IGNORECASE,
)
LICENCES = {
    "doc2dial": "CC BY 3.0 (github.com/doc2dial/sharedtask-dialdoc2021)",
    "clapnq": "Apache-2.0, passages CC BY-SA (github.com/primeqa/clapnq)",
    "mtrag": "Apache-2.0 (github.com/IBM/mt-rag-benchmark)",
}


@dataclass(frozen=True)
class Unit:
    doc_id: str
    title: str
    context: str  # the sentence before, as the reranker reads it
    text: str
    start: int
    end: int


@dataclass
class Question:
    qid: str
    query: str
    answerable: bool
    positives: list[Unit]
    negatives: list[Unit]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def units_of(doc_id: str, title: str, text: str) -> list[Unit]:
    out: list[Unit] = []
    previous = ""
    for start, end in split_sentences(text):
        sentence = text[start:end]
        if len(words(sentence)) >= MIN_WORDS:
            out.append(Unit(doc_id, title, previous, sentence, start, end))
        previous = sentence
    return out


class Searcher:
    """TF-IDF over every unit of a set: where hard negatives come from."""

    def __init__(self, units: list[Unit]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.units = units
        self.vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1)
        self.matrix = self.vectorizer.fit_transform([f"{u.title} {u.text}" for u in units])

    def top(self, query: str, k: int = 40) -> list[Unit]:
        scores = (self.matrix @ self.vectorizer.transform([query]).T).toarray().ravel()
        return [self.units[i] for i in np.argsort(-scores)[:k] if scores[i] > 0]


def recall(part: str, whole: str) -> float:
    a, b = set(words(part)), set(words(whole))
    return len(a & b) / len(a) if a else 0.0


def f1(a: str, b: str) -> float:
    x, y = words(a), words(b)
    common = sum(min(x.count(w), y.count(w)) for w in set(x))
    if not common:
        return 0.0
    p, r = common / len(x), common / len(y)
    return 2 * p * r / (p + r)


def pick_negatives(
    searcher: Searcher, query: str, gold_docs: set[str], positives: list[Unit], rng: random.Random
) -> list[Unit]:
    ranked = [u for u in searcher.top(query) if u not in positives]
    # same-document negatives keep a distance: the sentences next to an answer often hold it too
    near = {(p.doc_id, round(p.start / 400)) for p in positives}
    same = [
        u for u in ranked
        if u.doc_id in gold_docs and (u.doc_id, round(u.start / 400)) not in near
    ][:2]  # fmt: skip
    other = [u for u in ranked if u.doc_id not in gold_docs][:2]
    easy = rng.sample(searcher.units, 2)  # off-topic: what a question is not about at all
    return distinct(same + other + [u for u in easy if u.doc_id not in gold_docs])[:6]


def distinct(units: list[Unit]) -> list[Unit]:
    seen: set[str] = set()
    return [u for u in units if not (u.text in seen or seen.add(u.text))]  # type: ignore[func-returns-value]


def overlaps(unit: Unit, start: int, end: int) -> bool:
    """Whether a unit and a gold span share at least half of the shorter of the two."""
    shared = min(unit.end, end) - max(unit.start, start)
    return shared >= 0.5 * min(unit.end - unit.start, end - start)


def load_doc2dial(folder: Path, rng: random.Random, limit: int) -> list[Question]:
    docs = {d["doc_id"]: d for d in read_jsonl(folder / "corpus.jsonl")}
    units = [u for d in docs.values() for u in units_of(d["doc_id"], d["title"], d["text"])]
    by_doc: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_doc[u.doc_id].append(u)
    searcher = Searcher(units)
    rows = [
        r for r in read_jsonl(folder / "queries.jsonl")
        if r.get("gold_spans") and ASKS.search(r["question"])
    ]  # fmt: skip
    rng.shuffle(rows)
    out = []
    for r in rows[:limit]:
        spans = r["gold_spans"]
        positives = [
            u for s in spans for u in by_doc.get(s["doc_id"], [])
            if overlaps(u, s["start"], s["end"])
        ][:2]  # fmt: skip
        if not positives:
            continue
        query = query_text(r["question"], r.get("history"))
        gold = {s["doc_id"] for s in spans}
        overlapping = {
            (u.doc_id, u.start) for s in spans for u in by_doc.get(s["doc_id"], [])
            if u.end > s["start"] and u.start < s["end"]
        }  # fmt: skip
        negatives = [
            u for u in pick_negatives(searcher, query, gold, positives, rng)
            if (u.doc_id, u.start) not in overlapping
        ]  # fmt: skip
        out.append(Question(r["qid"], query, True, positives, negatives))
    return out


def load_clapnq(folder: Path, rng: random.Random, limit: int) -> list[Question]:
    docs = read_jsonl(folder / "corpus.jsonl")
    units = [u for d in docs for u in units_of(d["doc_id"], d["title"], d["text"])]
    searcher = Searcher(units)
    by_doc: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_doc[u.doc_id].append(u)
    rows = read_jsonl(folder / "queries.jsonl")
    rng.shuffle(rows)
    out = []
    for r in rows[:limit]:
        query = query_text(r["question"], r.get("history"))
        gold = set(r.get("gold_doc_ids") or [])
        if r["answerable"]:
            refs = r.get("reference_contexts") or []
            positives = [
                u for d in gold for u in by_doc.get(d, [])
                if any(recall(ref, u.text) >= 0.8 and recall(u.text, ref) >= 0.8 for ref in refs)
            ][:2]  # fmt: skip
            if not positives:
                continue
            negatives = [
                u for u in pick_negatives(searcher, query, gold, positives, rng)
                if not any(recall(u.text, ref) >= 0.5 for ref in refs)
            ]  # fmt: skip
            out.append(Question(r["qid"], query, True, positives, negatives))
        else:
            top = distinct(searcher.top(query))[:4]
            out.append(Question(r["qid"], query, False, [], top + rng.sample(searcher.units, 2)))
    return out


def load_mtrag(folder: Path, rng: random.Random, limit: int) -> list[Question]:
    rows = read_jsonl(folder / "generation_tasks.jsonl")
    passages: dict[str, str] = {}
    for r in rows:
        for doc_id, text in zip(r.get("gold_doc_ids") or [], r.get("reference_contexts") or [],
                                strict=False):  # fmt: skip
            passages[doc_id] = text
    units = [u for d, t in passages.items() for u in units_of(d, "", t)]
    by_doc: dict[str, list[Unit]] = defaultdict(list)
    for u in units:
        by_doc[u.doc_id].append(u)
    searcher = Searcher(units)
    rng.shuffle(rows)
    out = []
    for r in rows[:limit]:
        query = query_text(r["question"], r.get("history"))
        gold = set(r.get("gold_doc_ids") or [])
        kind = (r.get("metadata") or {}).get("answerability", "")
        if r["answerable"] and kind == "ANSWERABLE":
            reference = r.get("reference_answer") or ""
            # the sentences whose words the reference answer reuses most (answers paraphrase)
            scored = sorted(
                ((recall(u.text, reference), u) for d in gold for u in by_doc.get(d, [])
                 if len(words(u.text)) >= 6),
                key=lambda x: -x[0],
            )  # fmt: skip
            positives = [u for s, u in scored[:2] if s >= 0.6]
            if not positives:
                continue
            negatives = [u for s, u in scored[-2:] if s < 0.1]
            negatives += [
                u for u in searcher.top(query) if u.doc_id not in gold and u not in negatives
            ][:2]
            negatives += [u for u in rng.sample(searcher.units, 2) if u.doc_id not in gold]
            out.append(Question(r["qid"], query, True, positives, negatives))
        elif not r["answerable"]:
            top = distinct(searcher.top(query))[:4]
            out.append(Question(r["qid"], query, False, [], top + rng.sample(searcher.units, 2)))
    return out


LOADERS = {"doc2dial": load_doc2dial, "clapnq": load_clapnq, "mtrag": load_mtrag}
LIMITS = {"doc2dial": 900, "clapnq": 453, "mtrag": 408}


def load(name: str, root: Path) -> list[Question]:
    return LOADERS[name](root / name, random.Random(SEED), LIMITS[name])


def pairs_of(questions: list[Question]) -> list[tuple[str, str, float]]:
    return [
        (q.query, passage_text(u.title, u.context, u.text), float(label))
        for q in questions
        for label, group in ((1, q.positives), (0, q.negatives))
        for u in group
    ]


# Words a near miss never swaps: they say how a question asks, not what it is about.
_ASKING = (
    "what when where which who whom whose why how can could would should does did will the and "
    "for with from that this have has are was were you your yours they them their there then "
    "than about into over just also very much many more most some any all not only need want "
    "know tell please help thanks thank like make does doing done use used using get got"
)
ASKING = frozenset(_ASKING.split())


def near_misses(questions: list[Question], rng: random.Random) -> list[tuple[str, str, float]]:
    """Negative pairs that differ from a positive in one word: the question's most specific word
    that its answer also holds, swapped for a word another question asks about ("renew my
    driver's licence" -> "renew my passport licence"). The answer no longer answers it, so the
    model learns that a passage about something close to what was asked is not an answer, the
    near misses (a product we do not sell, a policy we do not have) that real users ask."""
    from casebook.sentences import STOPWORDS

    def content(text: str) -> list[str]:
        return [w for w in re.findall(r"[a-z0-9']+", text.lower()) if len(w) >= 4
                and w.isalpha() and w not in STOPWORDS and w not in ASKING]  # fmt: skip

    df: dict[str, int] = defaultdict(int)
    texts = [u.text for q in questions for u in (*q.positives, *q.negatives)]
    for t in texts:
        for w in set(words(t)):
            df[w] += 1
    n = len(texts) or 1
    pool = sorted({w for q in questions for w in content(q.query) if df.get(w, 0) < 0.05 * n})
    out: list[tuple[str, str, float]] = []
    for q in questions:
        if not q.positives or not pool:
            continue
        answer = q.positives[0]
        held = set(words(f"{answer.title} {answer.context} {answer.text}"))
        anchors = [w for w in dict.fromkeys(content(q.query)) if w in held]
        if not anchors:
            continue
        anchor = min(anchors, key=lambda w: (df.get(w, 0), w))  # the most specific
        swap = pool[rng.randrange(len(pool))]
        for _ in range(10):
            if swap not in held and swap not in words(q.query):
                break
            swap = pool[rng.randrange(len(pool))]
        else:
            continue
        asked = re.sub(rf"\b{re.escape(anchor)}\b", swap, q.query, flags=re.IGNORECASE)
        out += [(asked, passage_text(u.title, u.context, u.text), 0.0) for u in q.positives]
    return out
