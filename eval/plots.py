"""The report's plots (matplotlib, drawn off-screen): metric distributions, a reliability
diagram of the confidence, and answers and abstentions by confidence."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

Row = dict[str, Any]
DISTRIBUTED = ("ndcg@10", "context_recall", "answer.token_f1", "confidence", "summary.rougeL")
BINS = 10
OUTCOMES = (  # verdict, label, colour: answered and abstained, stacked per confidence bin
    ("right", "answered right", "#2e7d32"),
    ("wrong", "answered wrong", "#c62828"),
    ("unjudged", "answered, unjudged", "#9e9e9e"),
    ("abstained_rightly", "abstained rightly", "#90caf9"),
    ("abstained_wrongly", "abstained wrongly", "#ef9a9a"),
)


def available() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "casebook"  # the same ids in every drawing
    import matplotlib.pyplot as plt

    return plt


def confidence_bin(confidence: float) -> int:
    """0..BINS-1: the bin of a confidence in [0, 1]."""
    return min(BINS - 1, max(0, int(confidence * BINS)))


def reliability(rows: Sequence[Row]) -> list[tuple[float, float, int]]:
    """(mean confidence, share right, answers) per non-empty bin, over judged answers."""
    bins: list[list[tuple[float, bool]]] = [[] for _ in range(BINS)]
    for r in rows:
        if r.get("verdict") in ("right", "wrong"):
            bins[confidence_bin(r["confidence"])].append((r["confidence"], r["verdict"] == "right"))
    return [
        (sum(c for c, _ in b) / len(b), sum(ok for _, ok in b) / len(b), len(b)) for b in bins if b
    ]


def outcomes(rows: Sequence[Row]) -> dict[str, list[int]]:
    """Cases per verdict per confidence bin."""
    out = {kind: [0] * BINS for kind, _, _ in OUTCOMES}
    for r in rows:
        if r.get("verdict") in out:
            out[r["verdict"]][confidence_bin(r["confidence"])] += 1
    return out


def figures(name: str, rows: Sequence[Row]) -> dict[str, Any]:
    """The set's figures by file stem (matplotlib Figure objects)."""
    plt = _pyplot()
    out: dict[str, Any] = {}
    metrics = [m for m in DISTRIBUTED if any(r.get(m) is not None for r in rows)]
    if metrics:
        fig, axes = plt.subplots(1, len(metrics), figsize=(3 * len(metrics), 2.6), squeeze=False)
        for ax, metric in zip(axes[0], metrics, strict=True):
            ax.hist([float(r[metric]) for r in rows if r.get(metric) is not None],
                    bins=BINS, range=(0, 1), color="#1565c0")  # fmt: skip
            ax.set_title(metric, fontsize=9)
            ax.set_xlabel("value")
        axes[0][0].set_ylabel("cases")
        fig.suptitle(f"{name}: metric distributions", fontsize=10)
        fig.tight_layout()
        out[f"{name}-distributions"] = fig
    points = reliability(rows)
    if points:
        fig, ax = plt.subplots(figsize=(3.6, 3.4))
        ax.plot([0, 1], [0, 1], "--", color="#9e9e9e", label="calibrated")
        ax.plot([p[0] for p in points], [p[1] for p in points], "o-", color="#1565c0",
                label="answers")  # fmt: skip
        for conf, share, n in points:
            ax.annotate(str(n), (conf, share), fontsize=7, xytext=(3, -9),
                        textcoords="offset points")  # fmt: skip
        ax.set(xlim=(0, 1), ylim=(0, 1.05), xlabel="confidence", ylabel="share right",
               title=f"{name}: reliability")  # fmt: skip
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        out[f"{name}-reliability"] = fig
    counted = outcomes(rows)
    if any(sum(v) for v in counted.values()):
        fig, ax = plt.subplots(figsize=(5.2, 3.0))
        left = [b / BINS for b in range(BINS)]
        bottom = [0] * BINS
        for kind, label, colour in OUTCOMES:
            ax.bar(left, counted[kind], width=1 / BINS, bottom=bottom, align="edge",
                   color=colour, edgecolor="white", label=label)  # fmt: skip
            bottom = [b + c for b, c in zip(bottom, counted[kind], strict=True)]
        ax.set(xlim=(0, 1), xlabel="confidence", ylabel="cases",
               title=f"{name}: answered and abstained by confidence")  # fmt: skip
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        out[f"{name}-confidence"] = fig
    return out


def render(fig: Any) -> tuple[str, bytes]:
    """The figure as SVG text and PNG bytes; the figure is closed."""
    plt = _pyplot()
    svg, png = io.StringIO(), io.BytesIO()
    fig.savefig(svg, format="svg", metadata={"Date": None})
    fig.savefig(png, format="png", dpi=110)
    plt.close(fig)
    return svg.getvalue(), png.getvalue()
