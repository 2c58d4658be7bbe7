"""Extractive summaries (summaries/interaction.py) and the ROUGE they are scored with
(eval/rouge.py, over rouge-score)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casebook.embedding import Embedder
from casebook.interactions import Interaction, Turn
from casebook.shapes import to_json
from eval.rouge import rouge
from summaries.cues import STATUSES, clean
from summaries.interaction import Summary, summarize
from summaries.status import infer_status

ROOT = Path(__file__).resolve().parents[1]
TWEETSUMM = ROOT.parent / "shared" / "datasets" / "tweetsumm"
MARKER = re.compile(r" \[t(\d+)\]")

ROUTER = Interaction(
    "router-1",
    "social",
    [
        Turn("customer", "@Acme Hi! My router keeps dropping the wifi connection every evening. "
             "I already restarted it twice. https://t.co/x1"),
        Turn("agent", "@jo Sorry to hear that! Could you tell us which firmware version the "
             "router is running? ^AB"),
        Turn("customer", "@Acme It says 4.2.0 on the settings page."),
        Turn("agent", "@jo Thanks. Please update to firmware 4.2.1 from the settings page, it "
             "fixes the evening disconnects. ^AB"),
        Turn("customer", "@Acme That worked, no drops since yesterday. Thanks!"),
        Turn("agent", "@jo Glad to hear it! Have a great day. ^AB"),
    ],
)  # fmt: skip


def conversation(*turns: tuple[str, str], status: str = "") -> Interaction:
    return Interaction("c-1", "chat", [Turn(role, text) for role, text in turns], status=status)


def assert_verbatim(interaction: Interaction, summary: Summary) -> None:
    """Every cited quote is in its turn's cleaned text, and every marker has a citation."""
    for cite in summary.citations:
        turn = interaction.turns[cite.turn]
        assert cite.role == turn.role
        assert cite.quote and cite.quote in clean(turn.text)
    cited = {c.turn for c in summary.citations}
    assert {int(n) for n in MARKER.findall(summary.text())} <= cited
    plain = summary.text(markers=False)
    assert not MARKER.search(plain)
    for cite in [*summary.issue, *summary.actions, *summary.resolution]:
        assert cite.quote in plain


# ROUGE, against cases worked by hand.


def test_rouge_of_identical_text_is_one() -> None:
    assert rouge("The order never arrived.", ["the order never arrived"]) == {
        "rouge1": 1.0,
        "rouge2": 1.0,
        "rougeL": 1.0,
    }


def test_rouge_counts_clipped_ngrams_and_the_longest_common_subsequence() -> None:
    # the cat sat on the mat / the cat is on the mat: 5 of 6 unigrams, 3 of 5 bigrams, LCS 5.
    scores = rouge("the cat sat on the mat", ["the cat is on the mat"])
    assert scores["rouge1"] == pytest.approx(5 / 6)
    assert scores["rouge2"] == pytest.approx(3 / 5)
    assert scores["rougeL"] == pytest.approx(5 / 6)


def test_rouge_l_rewards_order_and_unequal_lengths_use_both_sides() -> None:
    scores = rouge("a b c d", ["d c b a"])
    assert scores["rouge1"] == 1.0
    assert scores["rouge2"] == 0.0
    assert scores["rougeL"] == pytest.approx(0.25)  # LCS 1: P = R = 1/4
    # candidate 2 tokens, reference 4, LCS 2: P = 1, R = 1/2, F = 2/3.
    assert rouge("refund issued", ["your refund was issued"])["rougeL"] == pytest.approx(2 / 3)


def test_rouge_keeps_the_best_reference_per_metric() -> None:
    scores = rouge("card was charged twice", ["nothing alike here", "card charged twice"])
    assert scores["rouge1"] == pytest.approx(2 * 1.0 * 0.75 / 1.75)  # P = 3/3, R = 3/4
    assert rouge("anything", []) == {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    assert rouge("", ["a reference"])["rougeL"] == 0.0


def test_tokens_are_lowercased_letters_and_digits_and_stemming_is_optional() -> None:
    same = rouge("Can't log-in, @Acme #help!", ["can t log in acme help"])
    assert same == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert rouge("police killed the gunman", ["police kill the gunman"])["rouge1"] == 0.75
    assert rouge("police killed the gunman", ["police kill the gunman"], stemmed=True) == {
        "rouge1": 1.0,
        "rouge2": 1.0,
        "rougeL": 1.0,
    }


# Cleaning: the only changes a quote may have from its turn.


def test_cleaning_drops_handles_urls_counters_and_sign_offs_only() -> None:
    assert clean("@Acme, why can't I log in? https://t.co/x ^AB") == "why can't I log in?"
    assert clean("(2/2) then it froze. - Sam") == "then it froze."
    assert clean("Fish &amp; chips\n\n  cold   again 1/2") == "Fish & chips\ncold again"


# Summaries.


def test_summary_of_a_resolved_conversation_has_issue_resolution_and_status() -> None:
    summary = summarize(ROUTER)
    assert_verbatim(ROUTER, summary)
    assert summary.issue[0].turn == 0
    assert "router keeps dropping the wifi connection" in summary.issue[0].quote
    assert [c.turn for c in summary.resolution] == [3]
    assert "update to firmware 4.2.1" in summary.resolution[0].quote
    assert summary.status == "resolved"
    assert "Glad to hear it" not in " ".join(c.quote for c in summary.resolution)


def test_to_json_has_the_documented_shape() -> None:
    data = to_json(summarize(ROUTER))
    assert set(data) == {"interaction_id", "summary", "sections", "citations"}
    assert data["interaction_id"] == "router-1"
    assert set(data["sections"]) == {"issue", "actions", "resolution", "status"}
    assert data["sections"]["status"] == "resolved"
    assert data["summary"].startswith("Issue: Customer: My router keeps dropping")
    assert "[t0]" in data["summary"] and "[t3]" in data["summary"]
    assert data["summary"].splitlines()[-1].startswith("Status: resolved")
    for cite in data["citations"]:
        assert set(cite) == {"turn", "role", "quote"}
        assert isinstance(cite["turn"], int)


def test_sections_are_filled_where_the_conversation_has_content() -> None:
    summary = summarize(ROUTER)
    assert summary.issue
    assert summary.actions or summary.resolution
    assert summary.status in STATUSES


def test_summary_without_an_embedder_matches_shape_with_one(embedder: Embedder) -> None:
    plain, dense = summarize(ROUTER), summarize(ROUTER, embedder)
    assert_verbatim(ROUTER, dense)
    assert dense.issue and (dense.actions or dense.resolution)
    assert dense.status == plain.status == "resolved"


def test_a_conversation_with_only_a_customer_turn_is_an_open_issue() -> None:
    interaction = conversation(("customer", "I cannot log in since the update, it says error 403."))
    summary = summarize(interaction)
    assert [c.quote for c in summary.issue] == [
        "I cannot log in since the update, it says error 403."
    ]
    assert summary.actions == summary.resolution == []
    assert summary.status == "pending"
    assert to_json(summary)["sections"]["actions"] == ""


def test_empty_turns_are_ignored_but_turn_numbers_are_kept() -> None:
    interaction = conversation(
        ("customer", ""),
        ("customer", "   "),
        ("customer", "@Acme https://t.co/abc"),
        ("customer", "My parcel 1234 never arrived, it was due on Monday."),
        ("agent", ""),
        ("agent", "I have escalated this to our delivery team, they will email you today."),
    )
    summary = summarize(interaction)
    assert_verbatim(interaction, summary)
    assert [c.turn for c in summary.issue] == [3]
    assert [c.turn for c in summary.resolution] == [5]
    assert summary.status == "escalated"


def test_a_conversation_without_turns_summarises_to_nothing() -> None:
    summary = summarize(conversation())
    assert summary.citations == [] and summary.status == "unknown"
    assert to_json(summary)["summary"] == "Status: unknown"


def test_without_a_customer_the_first_thing_said_stands_for_the_issue() -> None:
    interaction = conversation(("agent", "Your replacement card was posted today by first class."))
    summary = summarize(interaction)
    assert [(c.turn, c.role) for c in summary.issue] == [(0, "agent")]


def test_internal_notes_decide_status_but_are_never_quoted() -> None:
    interaction = conversation(
        ("customer", "My order never arrived and the tracking page shows nothing."),
        ("agent", "We are checking with the courier and will update you by email tomorrow."),
        ("internal", "Escalated to logistics tier 2, ticket 5512, customer is a VIP."),
    )
    summary = summarize(interaction)
    quoted = [*summary.issue, *summary.actions, *summary.resolution]
    assert all(c.role != "internal" for c in quoted)
    assert summary.status == "escalated"
    assert summary.status_source is not None and summary.status_source.role == "internal"
    assert "Status: escalated (per internal note) [t2]" in summary.text()
    assert_verbatim(interaction, summary)


@pytest.mark.parametrize(
    ("turns", "status", "expected"),
    [
        ([("customer", "Where is my refund?")], "Closed", "resolved"),
        ([("customer", "Where is my refund?")], "escalated", "escalated"),
        ([("customer", "Where is my refund?")], "open", "pending"),
        (
            [("customer", "The app crashes on start."), ("agent", "Please reinstall it."),
             ("customer", "That fixed it, thank you!")],
            "", "resolved",
        ),
        (
            [("customer", "The app crashes on start."), ("agent", "Please DM us your email.")],
            "", "pending",
        ),
        (
            [("customer", "I was charged twice."),
             ("agent", "Thanks, we'll follow up with the billing details tomorrow.")],
            "", "pending",
        ),
        (
            [("customer", "I was charged twice."),
             ("agent", "I have passed this on to our billing specialists.")],
            "", "escalated",
        ),
        (
            [("customer", "Thanks for the refund!"), ("agent", "You're welcome, enjoy!")],
            "", "resolved",
        ),
        ([("customer", "Still waiting, this is not working.")], "", "pending"),
        ([("agent", "Hello there.")], "", "unknown"),
        ([], "", "unknown"),
    ],
)  # fmt: skip
def test_status_inference(turns: list[tuple[str, str]], status: str, expected: str) -> None:
    assert infer_status(conversation(*turns, status=status))[0] == expected


SENTENCE = st.lists(
    st.sampled_from(
        ["@Acme", "https://t.co/x9", "my", "card", "was", "charged", "twice", "Please", "DM",
         "us", "Thanks!", "not", "working?", "error", "1/2", "^AB", "- Sam", "&amp;", "refund.",
         "\n", "  ", ",", "OK.", "can't", "log", "in"]
    ),
    max_size=25,
).map(" ".join)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["customer", "agent", "internal"]), SENTENCE)))
def test_every_quote_is_verbatim_from_the_cited_turn(turns: list[tuple[str, str]]) -> None:
    interaction = conversation(*turns)
    summary = summarize(interaction)
    assert_verbatim(interaction, summary)
    assert summary.status in STATUSES


# The bench criterion, on the whole dataset (about 3 s; needs ../shared/datasets/tweetsumm).


@pytest.mark.skipif(not TWEETSUMM.exists(), reason="needs ../shared/datasets/tweetsumm")
def test_tweetsumm_rouge_l_beats_the_lead_baseline_by_ten_percent() -> None:
    path = ROOT / "bench/summary_quality.py"
    spec = importlib.util.spec_from_file_location("bench_summaries", path)
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    items = bench.load(TWEETSUMM)
    ours = bench.score([summarize(i).text(markers=False) for i, _, _ in items], items)
    lead = bench.score([bench.lead(i) for i, _, _ in items], items)
    assert ours["rougeL"] >= 1.10 * lead["rougeL"], (ours, lead)
