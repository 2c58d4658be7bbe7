"""Fit the answerability model (answers/reranker/answerability.json): which answer unit answers,
and how sure to be, from the reranker's score and the unit's closeness to the question.

    # 1. units of each dev set, scored by the reranker trained WITHOUT that set
    python training/fit_answerability.py extract --set doc2dial --reranker /tmp/rr/no-doc2dial \\
        --out /tmp/feat/doc2dial.jsonl
    # 2. fit on all sets, report leave-one-dataset-out results, write the model
    python training/fit_answerability.py fit --features /tmp/feat/*.jsonl \\
        --out answers/reranker/answerability.json

A unit is labelled right when it is in a gold document and holds the answer: it overlaps the gold
grounding span (doc2dial), matches a gold sentence (CLAPNQ), or the reference answer reuses most
of its words (MTRAG). The unit model is a logistic regression over the units the reranker read;
the confidence is a Platt calibration of the best unit's logit against "the best unit is right"
(0 for unanswerable questions). Leave-one-dataset-out: both are fitted on the other sets and
scored on the held-out one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "training"))

from eval.answers import ece  # noqa: E402

FEATURES = (
    "rerank",
    "cos_q",
    "cos_ctx",
    "cos_topic",
    "chunk",
    "lexical",
    "number_fit",
    "steps_fit",
)
SEED = 13
CALIBRATE_COVERAGE = False  # --coverage: calibrate on the question's coverage as well
# --without-lead: leave out the best unit's lead over the median unit, which depends on how many
# units were read and how many the corpus has, not only on how well the best one answers
CALIBRATE_LEAD = True


def unit_right(name: str, q, doc_id: str, start: int, end: int, text: str) -> bool:  # type: ignore[no-untyped-def]
    from reranker_data import recall

    if not q.answerable or doc_id not in q.gold_doc_ids:
        return False
    if q.gold_spans:
        return any(
            s.doc_id == doc_id and min(end, s.end) - max(start, s.start)
            >= 0.5 * min(end - start, s.end - s.start)
            for s in q.gold_spans
        )  # fmt: skip
    if q.reference_contexts and name == "clapnq":
        return any(recall(r, text) >= 0.8 and recall(text, r) >= 0.8 for r in q.reference_contexts)
    if q.expected:
        from eval.answers import contains

        return all(contains(text, p) for p in q.expected)
    return recall(text, q.reference_answer) >= 0.6


def extract(args: argparse.Namespace) -> None:
    from answer_quality import corpus_files, spread  # bench/answer_quality.py

    from answers.evidence import NOT_READ, gather, unit_passage
    from answers.reranker import Reranker, query_text
    from casebook.sentences import terms
    from casebook.settings import Settings
    from casebook.wiring import open_index
    from service.ingestion import ingestor as Ingestor

    reranker = Reranker(args.reranker)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        paths, queries, _ = corpus_files(args.set, work)
        settings = Settings(data_dir=work / "index", qdrant_url=None)
        index = open_index(settings)
        out = args.out.open("w", encoding="utf-8")
        try:
            Ingestor(index, settings).run(paths, tenant="fit")
            index.optimize()
            for n, q in enumerate(spread(queries, args.limit)):
                ev = gather(index, "fit", q.question, q.history, reranker=reranker)
                units = []
                for i, (_, unit) in enumerate(ev.units):
                    if not ev.units or ev.features["rerank"][i] <= NOT_READ:
                        continue
                    hit = ev.hit_of(i)
                    start, end = hit.start + unit.start, hit.start + unit.end
                    units.append({
                        "features": {k: float(v[i]) for k, v in ev.features.items()},
                        "kind": unit.kind,
                        "quote": ev.quote(i),
                        "passage": unit_passage(ev, i),
                        "right": unit_right(args.set, q, hit.doc_id, start, end, ev.quote(i)),
                    })  # fmt: skip
                pool = sorted({t for h in ev.hits for t in terms(f"{h.title} {h.text}")})
                row = {"set": args.set, "qid": q.qid, "answerable": q.answerable,
                       "query": query_text(q.question, q.history),
                       "question": q.question, "pool": pool, "units": units}  # fmt: skip
                out.write(json.dumps(row) + "\n")
                if n % 50 == 0:
                    print(f"{args.set}: {n} questions", flush=True)
        finally:
            out.close()
            index.close()


def load(paths: list[Path]) -> list[dict]:
    """The feature rows, each with only the units the product's reranker reads (``read``)."""
    rows = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            rows += [read(json.loads(line)) for line in handle if line.strip()]
    return rows


def read(row: dict, n: int | None = None) -> dict:
    """The row with its `n` units (default: ``answers.evidence.RERANK``) that the cheap features
    rank highest, as ``answers.evidence`` picks the units its reranker reads; the feature files
    may hold more (they were extracted reading 12)."""
    from answers.evidence import CHEAP, RERANK

    n = RERANK if n is None else n
    cheap = [-sum(w * u["features"][k] for k, w in CHEAP.items()) for u in row["units"]]
    keep = sorted(int(i) for i in np.argsort(cheap, kind="stable")[:n])
    return row | {"units": [row["units"][i] for i in keep]}


def matrix(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    x = [[u["features"][k] for k in FEATURES] for r in rows for u in r["units"]]
    y = [float(u["right"]) for r in rows for u in r["units"]]
    return np.array(x), np.array(y)


def fit_units(rows: list[dict]):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    x, y = matrix(rows)
    return LogisticRegression(C=1.0, max_iter=1000, class_weight=None).fit(x, y)


def best(model, rows: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per question: the best unit's logit, its lead over the median unit and the question's
    coverage by the retrieved chunks, whether that unit is right, whether the question is
    answerable."""
    from answers.coverage import coverage

    evidence, right, answerable = [], [], []
    for r in rows:
        if not r["units"]:
            continue
        x = np.array([[u["features"][k] for k in FEATURES] for u in r["units"]])
        z = model.decision_function(x)
        i = int(np.argmax(z))
        evidence.append(
            [float(z[i]), float(z[i] - np.median(z)), coverage(r["question"], r["pool"]) - 1.0]
        )
        right.append(float(r["units"][i]["right"]))
        answerable.append(r["answerable"])
    return np.array(evidence), np.array(right), np.array(answerable, dtype=bool)


def platt(evidence: np.ndarray, answerable: np.ndarray) -> dict[str, float]:
    """Calibration of "the question is answerable from the corpus": a label that means the same
    on every set (unlike "this exact sentence is the gold one", whose strictness varies), from
    the best unit's logit, its lead over the median unit (unless CALIBRATE_LEAD is off) and
    (with CALIBRATE_COVERAGE) the question's coverage minus 1."""
    from sklearn.linear_model import LogisticRegression

    columns = [0] + ([1] if CALIBRATE_LEAD else []) + ([2] if CALIBRATE_COVERAGE else [])
    m = LogisticRegression(C=10.0).fit(evidence[:, columns], answerable.astype(float))
    coef = dict(zip(columns, m.coef_[0], strict=True))
    cal = {"a": float(coef[0]), "lead": float(coef.get(1, 0.0)), "b": float(m.intercept_[0])}
    if CALIBRATE_COVERAGE:
        cal["coverage"] = float(coef[2])
    return cal


def evaluate(  # type: ignore[no-untyped-def]
    model, cal: dict[str, float], rows: list[dict], threshold: float = 0.5
) -> dict:
    evidence, right, answerable = best(model, rows)
    z = cal["a"] * evidence[:, 0] + cal["lead"] * evidence[:, 1] + cal["b"]
    p = 1 / (1 + np.exp(-(z + cal.get("coverage", 0.0) * evidence[:, 2])))
    answered = p >= threshold
    return {
        "questions": len(rows),
        "answered_answerable": round(float(answered[answerable].mean()), 4),
        "best_unit_right_when_answered": round(float(right[answerable & answered].mean()), 4)
        if (answerable & answered).any() else None,
        "abstained_unanswerable": round(float((~answered[~answerable]).mean()), 4)
        if (~answerable).any() else None,
        "ece_answerable": ece(p, answerable.astype(float)),
        "ece_right_of_answered": ece(p[answered], right[answered]) if answered.any() else None,
        "confident_wrong": int(((p >= 0.8) & (right == 0)).sum()),
    }  # fmt: skip


def questions_only(rows: list[dict], data_dir: Path) -> list[dict]:
    """Rows whose turn asks something: doc2dial's user turns include statements ("Nope,
    earlier but..."), which an answerer is not asked to answer (the reranker trains on the
    same filter)."""
    from reranker_data import ASKS

    from eval.datasets import load_queries

    asked = {q.qid for q in load_queries(data_dir / "doc2dial") if ASKS.search(q.question)}
    return [r for r in rows if r["set"] != "doc2dial" or r["qid"] in asked]


def both_kinds(rows: list[dict]) -> list[dict]:
    """The rows of sets with answerable and unanswerable questions: a set with only one kind
    (doc2dial) would teach the calibration its base rate instead of what evidence means."""
    kinds: dict[str, set[bool]] = {}
    for r in rows:
        kinds.setdefault(r["set"], set()).add(bool(r["answerable"]))
    return [r for r in rows if len(kinds[r["set"]]) == 2]


def fit(args: argparse.Namespace) -> None:
    global FEATURES, CALIBRATE_COVERAGE, CALIBRATE_LEAD
    FEATURES, CALIBRATE_COVERAGE = tuple(args.use), args.coverage
    CALIBRATE_LEAD = not args.without_lead
    rows = questions_only(load(args.features), args.data_dir)
    sets = sorted({r["set"] for r in rows})
    report = {}
    for held in sets:
        train = [r for r in rows if r["set"] != held]
        model = fit_units(train)
        evidence, _, answerable = best(model, both_kinds(train))
        if answerable.all() or not answerable.any():
            report[held] = {"note": "the other sets have no unanswerable questions to calibrate on"}
            continue
        report[held] = evaluate(model, platt(evidence, answerable),
                                [r for r in rows if r["set"] == held])  # fmt: skip
        print(held, json.dumps(report[held]), flush=True)
    model = fit_units(rows)
    evidence, _, answerable = best(model, both_kinds(rows))
    cal = platt(evidence, answerable)
    body = {
        "bias": float(model.intercept_[0]),
        "weights": {k: float(w) for k, w in zip(FEATURES, model.coef_[0], strict=True)},
        "calibration": cal,
        "fitted_on": {s: sum(r["set"] == s for r in rows) for s in sets},
        "leave_one_dataset_out": report,
        "in_sample": evaluate(model, cal, rows),
    }
    for path in args.judge or []:  # sets nothing was fitted on, judged with the final model
        judged = questions_only(load([path]), args.data_dir)
        body.setdefault("held_out", {})[judged[0]["set"]] = evaluate(model, cal, judged)
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(body, indent=2))


class UnitModel:
    """A fitted unit model read back from an answerability file."""

    def __init__(self, body: dict) -> None:
        self.bias, self.weights = body["bias"], np.array([body["weights"][k] for k in FEATURES])

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        return self.bias + x @ self.weights


def calibrate(args: argparse.Namespace) -> None:
    """Refit only the confidence of an existing model, on every set with both kinds of question,
    keeping its unit model; report each calibration set calibrated on the others, and the
    judged sets."""
    global FEATURES, CALIBRATE_COVERAGE, CALIBRATE_LEAD
    body = json.loads(args.model.read_text(encoding="utf-8"))
    FEATURES, CALIBRATE_COVERAGE = tuple(body["weights"]), args.coverage
    CALIBRATE_LEAD = not args.without_lead
    model = UnitModel(body)
    rows = both_kinds(load(args.features))
    sets = sorted({r["set"] for r in rows})
    report = {}
    for held in sets:
        evidence, _, answerable = best(model, [r for r in rows if r["set"] != held])
        if len(sets) > 1:
            report[held] = evaluate(model, platt(evidence, answerable),
                                    [r for r in rows if r["set"] == held])  # fmt: skip
    evidence, _, answerable = best(model, rows)
    cal = platt(evidence, answerable)
    body |= {
        "calibration": cal,
        "calibrated_on": {s: sum(r["set"] == s for r in rows) for s in sets},
        "calibration_leave_one_dataset_out": report,
        "held_out": {},
    }
    for path in args.judge or []:  # doc2dial's statements are left out, as `fit` leaves them
        judged = questions_only(load([path]), args.data_dir)
        body["held_out"][judged[0]["set"]] = evaluate(model, cal, judged)
    args.out.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(body, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("extract")
    e.add_argument("--set", required=True)
    e.add_argument("--reranker", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    e.add_argument("--limit", type=int, default=300)
    f = sub.add_parser("fit")
    f.add_argument("--features", type=Path, nargs="+", required=True)
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--use", nargs="+", default=list(FEATURES), help="Unit features to fit on.")
    f.add_argument("--judge", type=Path, nargs="*", help="Feature files of sets to judge on.")
    f.add_argument("--coverage", action="store_true", help="Calibrate on coverage as well.")
    f.add_argument("--without-lead", action="store_true", help="Calibrate without the lead.")
    f.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    c = sub.add_parser("calibrate", help="Refit only the confidence of an existing model.")
    c.add_argument("--model", type=Path, required=True, help="The answerability file to keep.")
    c.add_argument("--features", type=Path, nargs="+", required=True)
    c.add_argument("--judge", type=Path, nargs="*", help="Feature files of sets to judge on.")
    c.add_argument("--coverage", action="store_true", help="Calibrate on coverage as well.")
    c.add_argument("--without-lead", action="store_true", help="Calibrate without the lead.")
    c.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    c.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    {"extract": extract, "fit": fit, "calibrate": calibrate}[args.command](args)


if __name__ == "__main__":
    main()
