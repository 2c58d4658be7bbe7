"""Hand-off detection over a held-out labelled set, with the real embedding model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from answers.handoff import (
    REASONS,
    HandoffDetector,
    HandoffRules,
    HandoffRulesError,
    load_rules,
    message_tail,
)
from casebook.embedding import load_embedder
from casebook.errors import CasebookError

MESSAGES = Path(__file__).with_name("handoff_messages.jsonl")
MIN_ACCURACY = 0.9
NEAR_COPY = 0.8  # word-set Jaccard at or above which a test message copies a rule text
CHAT_NOISE = (
    "Bot: Thanks for contacting Lumen Home, how can I help today? "
    "Customer: hi, the app looks different since last week. "
    "Bot: The home screen now shows your schedule first. "
    "Customer: ok thanks, and the eco thing? "
    "Bot: The Eco schedule lowers the setpoint at night and while you are away. "
    "Customer: cool. it was 21 degrees all evening which is fine. "
)


def labelled() -> list[tuple[str, str]]:
    """The held-out messages as (message, reason), reason "" for answer-normally."""
    lines = MESSAGES.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [(row["message"], row["reason"]) for row in rows]


def words(text: str) -> frozenset[str]:
    """The lowercased words of a text, for overlap checks."""
    return frozenset(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.fixture(scope="module")
def rules() -> HandoffRules:
    return load_rules()


@pytest.fixture(scope="module")
def detector(rules: HandoffRules) -> HandoffDetector:
    """The packaged rules over the packaged all-MiniLM-L6-v2, built once for the module."""
    return HandoffDetector(rules, load_embedder(None, 32, "auto").embed)


@pytest.fixture(scope="module")
def predictions(detector: HandoffDetector) -> list[tuple[str, str, str | None]]:
    """(message, expected reason, detected reason) for every labelled message."""
    return [(m, want, detector.reason(m)) for m, want in labelled()]


def test_labelled_set_has_enough_messages_of_each_kind() -> None:
    counts = {reason: 0 for reason in (*REASONS, "")}
    for _, reason in labelled():
        counts[reason] += 1
    assert all(counts[r] >= 20 for r in REASONS), counts
    assert counts[""] >= 30, counts


def test_labelled_messages_get_their_handoff_reason(
    predictions: list[tuple[str, str, str | None]],
) -> None:
    print(f"\n{'reason':<18}{'right':>6}{'total':>6}{'accuracy':>10}")
    failures = []
    for reason in REASONS:
        rows = [(m, got) for m, want, got in predictions if want == reason]
        right = sum(got == reason for _, got in rows)
        print(f"{reason:<18}{right:>6}{len(rows):>6}{right / len(rows):>10.0%}")
        if right / len(rows) < MIN_ACCURACY:
            failures.append((reason, [(m, got) for m, got in rows if got != reason]))
    assert not failures, failures


def test_plain_questions_are_not_handed_off(
    predictions: list[tuple[str, str, str | None]],
) -> None:
    handed_off = [(m, got) for m, want, got in predictions if not want and got is not None]
    assert handed_off == []


def test_no_test_message_is_a_rule_example(rules: HandoffRules) -> None:
    rule_texts = [t for texts in rules.examples.values() for t in texts]
    rule_texts += list(rules.counter_examples)
    rule_words = [words(t) for t in rule_texts]
    copies = []
    for message, _ in labelled():
        mine = words(message)
        for text, theirs in zip(rule_texts, rule_words, strict=True):
            overlap = len(mine & theirs) / len(mine | theirs)
            if mine == theirs or overlap >= NEAR_COPY:
                copies.append((message, text, round(overlap, 2)))
    assert copies == []


def test_packaged_rules_have_examples_and_counter_examples(rules: HandoffRules) -> None:
    assert all(10 <= len(rules.examples[r]) <= 25 for r in REASONS)
    assert 20 <= len(rules.counter_examples) <= 40
    assert all(rules.patterns[r] for r in REASONS)
    assert 0 < rules.threshold < 1


def test_priority_prefers_safety_over_human(detector: HandoffDetector) -> None:
    assert detector.reason("sparks are flying out of the hub, get me a human now") == (
        "urgent_safety"
    )
    assert detector.reason("the adapter is smoking. I want to speak to someone") == (
        "urgent_safety"
    )


def test_priority_prefers_human_over_account(detector: HandoffDetector) -> None:
    message = "I want to talk to a real person about my order LH-100777"
    assert detector.reason(message) == "needs_human"


def test_long_message_with_question_at_end(detector: HandoffDetector) -> None:
    noise = (CHAT_NOISE * 40)[:9970]
    message = noise + " I can smell gas near the furnace"
    assert len(message) >= 10_000
    assert detector.reason(message) == "urgent_safety"


def test_long_chat_ending_in_a_plain_question_is_not_handed_off(
    detector: HandoffDetector,
) -> None:
    message = (CHAT_NOISE * 40)[:9950] + " Customer: how do I switch the display to Celsius?"
    assert detector.reason(message) is None


def test_only_the_end_of_a_long_message_is_embedded() -> None:
    tail = message_tail("word " * 3000 + "is anyone able to ring me")
    assert len(tail) <= 500
    assert tail.endswith("is anyone able to ring me")
    assert not tail.startswith(" ")


def test_empty_message_is_not_handed_off(detector: HandoffDetector) -> None:
    assert detector.reason("") is None
    assert detector.reason("   \n ") is None


def test_explain_names_the_regex_or_the_nearest_example(detector: HandoffDetector) -> None:
    by_pattern = detector.explain("there is smoke coming from the wall plate")
    assert (by_pattern.reason, by_pattern.rule) == ("urgent_safety", "pattern")
    assert re.search(by_pattern.evidence, "smoke", re.IGNORECASE)
    plain = detector.explain("How do I pair room sensors with the hub?")
    assert (plain.reason, plain.rule) == (None, "none")


def test_custom_rules_file_is_used(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(
        json.dumps(
            {
                "threshold": 0.6,
                "patterns": {"needs_human": [r"\bescalate\b"]},
                "examples": {"account_specific": ["where is my parcel"]},
                "counter_examples": ["how do I reset the thermostat"],
            }
        ),
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert rules.margin == 0.05 and rules.examples == {"account_specific": ("where is my parcel",)}
    detector = HandoffDetector(rules, load_embedder(None, 32, "auto").embed)
    assert detector.reason("please ESCALATE this") == "needs_human"
    assert detector.reason("could you tell me where my parcel is") == "account_specific"
    assert detector.reason("there is smoke") is None  # no safety rules in this file


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"patterns": {}}', '"threshold" must be a number'),
        ('{"threshold": 1.5}', '"threshold" must be a number'),
        ('{"threshold": 0.5, "margin": true}', '"margin" must be a number'),
        ('{"threshold": 0.5, "patterns": {"urgent": ["fire"]}}', "unknown reason(s) ['urgent']"),
        ('{"threshold": 0.5, "patterns": {"needs_human": ["(agent"]}}', "bad regex '(agent'"),
        ('{"threshold": 0.5, "examples": {"needs_human": "agent"}}', "list of non-empty strings"),
        ('{"threshold": 0.5, "counter_examples": ["ok", ""]}', "list of non-empty strings"),
        ('{"threshold": 0.5, "general_questions": ["[how"]}', "bad regex"),
        ('{"threshold": 0.5, "treshold": 0.4}', "unknown key(s) ['treshold']"),
    ],
)
def test_bad_rules_file_is_a_named_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "handoff.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HandoffRulesError) as caught:
        load_rules(path)
    assert isinstance(caught.value, CasebookError)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_rules_file_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(HandoffRulesError, match="cannot be read") as caught:
        load_rules(path)
    assert str(path) in str(caught.value)
