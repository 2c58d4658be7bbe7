"""A customer-facing bot on the sample corpus, as the README tells bot builders to write it.

The app is served over HTTP from an index of `casebook/sample` built by the product's own
Ingestor; the bot uses a bot key (customer audience). It runs the README's bot example, the
labelled customer messages of tests/handoff_messages.jsonl, a 200-message conversation and a
10,000-character message.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from live import serve

from casebook.embedding import Embedder
from casebook.settings import Settings
from casebook.wiring import open_index
from service import ingestion
from service.app import create_app
from service.keys import KeyStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "casebook" / "sample"
MESSAGES = Path(__file__).with_name("handoff_messages.jsonl")
HANDOFF = ("urgent_safety", "needs_human", "account_specific")
CONFIDENCE = ("", "low_confidence", "no_evidence")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[
    tuple[str, str, str]
]:
    """(base URL, bot key, agent key) of the app over the ingested sample corpus."""
    data = tmp_path_factory.mktemp("bot") / "data"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data, rate_limit_per_minute=0
    )
    index = open_index(settings, embedder)
    try:
        report = ingestion.ingestor(index, settings).run([SAMPLE], tenant="default")
        assert not report.failed, report.failed
        index.optimize()
        store = KeyStore.for_settings(settings)
        bot, agent = store.create("default", "bot")[0], store.create("default", "agent")[0]
        with serve(create_app(settings, index=index, keys=store)) as url:
            yield url, bot, agent
    finally:
        index.close()


def ask(url: str, key: str, question: str, history: list[dict[str, str]] | None = None) -> Any:
    response = httpx.post(
        f"{url}/v1/answer",
        json={"question": question, "history": history or []},
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def cited(answer: Any) -> list[str]:
    return [c["doc_id"] for c in answer["citations"]]


def readme_bot() -> str:
    """The bot example of the README's "Building a bot" section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Building a bot", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


def test_the_readme_bot_answers_and_hands_off(served: tuple[str, str, str]) -> None:
    url, bot_key, _ = served
    code = readme_bot()
    code = code.replace('"http://127.0.0.1:8000"', repr(url)).replace('"cb_..."', repr(bot_key))
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    conversation = namespace["Conversation"]()
    reply = conversation.send("How much does Lumen Care cost?")
    assert "$4.99" in reply and not conversation.handed_off
    reply = conversation.send("I want to talk to a real person")
    assert conversation.handed_off == "needs_human" and reply
    fresh = namespace["Conversation"]()
    fresh.send("There is a burning smell and smoke coming from my thermostat!")
    assert fresh.handed_off == "urgent_safety"


def test_labelled_customer_messages_hand_off_for_the_right_reason(
    served: tuple[str, str, str],
) -> None:
    url, bot_key, _ = served
    cases = [json.loads(line) for line in MESSAGES.read_text().splitlines() if line.strip()]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrongly_handed_off = []
    for case in cases:
        reason = ask(url, bot_key, case["message"])["reason"]
        label = case["reason"]
        total[label] += 1
        if label:
            right[label] += reason == label
        elif reason not in CONFIDENCE:
            wrongly_handed_off.append((case["message"], reason))
    print({label: f"{right[label]}/{total[label]}" for label in HANDOFF})
    for label in HANDOFF:
        assert total[label] >= 15
        assert right[label] >= 0.9 * total[label], (label, right[label], total[label])
    assert total[""] >= 15
    assert not wrongly_handed_off


def test_agent_keys_are_not_handed_off(served: tuple[str, str, str]) -> None:
    url, _, agent_key = served
    answer = ask(url, agent_key, "customer says there is a burning smell, what do we tell them?")
    assert answer["reason"] not in HANDOFF


def chat(turns: int) -> list[dict[str, str]]:
    """A long, real-looking support chat about Wi-Fi setup, oldest first."""
    lines = [
        ("user", "My thermostat will not join my Wi-Fi network."),
        ("assistant", "Is your network 2.4 GHz? The T2 does not support 5 GHz networks."),
        ("user", "I think it is a dual band router, I am not sure which band it uses."),
        ("assistant", "Open the router settings and give the 2.4 GHz band its own name."),
        ("user", "Okay, I renamed it and tried the pairing code again."),
        ("assistant", "Does the Wi-Fi icon on the thermostat turn solid now?"),
        ("user", "It blinks for a while and then the app says setup failed."),
        ("assistant", "Please move the phone closer to the thermostat and retry."),
    ]
    return [{"role": r, "text": f"{t} ({n})"} for n in range(turns // len(lines) + 1)
            for r, t in lines][:turns]  # fmt: skip


def test_a_plain_question_after_200_messages_answers_as_it_does_alone(
    served: tuple[str, str, str],
) -> None:
    url, bot_key, _ = served
    for question in ("How much does Lumen Care cost?", "can I cancel Lumen Care?"):
        alone = ask(url, bot_key, question)
        after = ask(url, bot_key, question, chat(200))
        assert alone["answerable"], alone
        assert after["answerable"] == alone["answerable"], (question, after)
        assert after["answer"] == alone["answer"]
        assert cited(after) == cited(alone)


def test_a_follow_up_still_uses_the_conversation(served: tuple[str, str, str]) -> None:
    url, bot_key, _ = served
    history = [{"role": "user", "text": "I am thinking about getting Lumen Care."}]
    answer = ask(url, bot_key, "how much is it per month?", history)
    assert answer["answerable"], answer
    assert "$4.99" in answer["answer"]


def test_a_10000_character_message_is_answered_from_its_end(served: tuple[str, str, str]) -> None:
    url, bot_key, _ = served
    story = " ".join(
        f"On day {n} I tried again and the thermostat still showed the same screen as before."
        for n in range(1, 200)
    )
    message = (story + " Anyway, separate question: how much does Lumen Care cost?")[-10_000:]
    assert len(message) >= 9_900
    answer = ask(url, bot_key, message)
    alone = ask(url, bot_key, "how much does Lumen Care cost?")
    assert answer["answerable"], answer
    assert cited(answer)[:1] == cited(alone)[:1]
