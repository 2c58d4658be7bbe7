"""Mining that makes good cases: the agent's fix as the expected answer, clean questions, no
self-retrieval, feedback comments as expected answers, and mining over the API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from live import serve
from typer.testing import CliRunner

from casebook.feedback import AnsweredQuestion, FeedbackStore
from casebook.interactions import Interaction, Turn
from casebook.settings import Settings
from cli.main import app
from mining.cases import expected_from, from_feedback, interaction_case
from service.keys import KeyStore

TICKETS = {
    "fixed": [
        ("customer", "@AcmeHelp my Lumen T2 thermostat shows error E42 and will not heat ^JS"),
        ("agent", "@4471 Sorry about that. Hold the dial for ten seconds to reset it. ^MK"),
        ("customer", "@AcmeHelp That worked, thanks so much!"),
    ],
    "refunded": [
        ("customer", "I was charged twice for order 5521, please sort it out"),
        ("agent", "I have refunded the duplicate charge on order 5521."),
        ("customer", "Great, thank you."),
    ],
    "asked back": [  # the agent's last word is a question: nothing was fixed
        ("customer", "My router keeps dropping the connection every evening"),
        ("agent", "Has the router been restarted since?"),
        ("customer", "Thanks"),
    ],
    "thanked": [  # a thank-you is not a resolution
        ("customer", "Where can I find the invoice for my last order?"),
        ("agent", "Thanks for reaching out, happy to help."),
        ("customer", "Thank you!"),
    ],
    "handed on": [
        ("customer", "The app crashes whenever I open the settings page"),
        ("agent", "I've escalated this to our engineers."),
        ("customer", "Thanks"),
    ],
}


def interaction(name: str, cited: list[str] | None = None) -> Interaction:
    turns = [Turn(role, text) for role, text in TICKETS[name]]
    return Interaction(name.replace(" ", "-"), "chat", turns,
                       metadata={"cited_doc_ids": cited or []})  # fmt: skip


def test_only_interactions_an_agent_resolved_make_cases() -> None:
    made = {name: interaction_case(interaction(name)) for name in TICKETS}
    assert {n for n, c in made.items() if c} == {"fixed", "refunded"}
    fixed = made["fixed"]
    assert fixed is not None
    assert fixed["question"] == "my Lumen T2 thermostat shows error E42 and will not heat"
    assert fixed["reference_answer"] == "Hold the dial for ten seconds to reset it."
    assert fixed["review"] == "unreviewed"


def test_gold_is_the_cited_documents_never_the_interaction() -> None:
    case = interaction_case(interaction("fixed", cited=["thermostat-manual", "fixed"]))
    assert case is not None
    assert case["gold_doc_ids"] == ["thermostat-manual"]
    assert case["metadata"]["exclude_doc_ids"] == ["fixed"]


def test_feedback_comments_become_expected_answers(tmp_path: Path) -> None:
    assert expected_from("It should say the default is $50") == "the default is $50"
    assert expected_from("The answer is actually 30 days") == "30 days"
    store = FeedbackStore(tmp_path)
    asked = AnsweredQuestion("a1", "acme", "what is the default limit", [], True, 0.9, "", [])
    store.add(asked, rating="down", comment="should say the default is $50", expected_doc_ids=[],
              key_id="k")  # fmt: skip
    store.add(asked, rating="down", comment="", expected_doc_ids=[], key_id="k")  # nothing said
    store.add(asked, rating="up", comment="should say more", expected_doc_ids=[], key_id="k")
    cases = from_feedback(store, "acme")
    assert [c["reference_answer"] for c in cases] == ["the default is $50"]
    assert cases[0]["review"] == "unreviewed"


def test_mining_through_the_api_while_the_server_holds_the_index(tmp_path: Path) -> None:
    from casebook.wiring import open_index
    from ingest.runner import Ingestor
    from service.app import create_app

    source = tmp_path / "interactions.jsonl"
    source.write_text("".join(json.dumps({"interaction_id": name.replace(" ", "-"),
                      "channel": "chat", "turns": [{"role": r, "text": t} for r, t in turns]})
                      + "\n" for name, turns in TICKETS.items()))  # fmt: skip
    data = tmp_path / "server"
    settings = Settings(_env_file=None, data_dir=data, qdrant_url=None)  # type: ignore[call-arg]
    index = open_index(settings)
    try:
        assert (
            not Ingestor(index, settings).run([source], tenant="acme", kind="interactions").failed
        )
        keys = KeyStore(data / "keys.json")
        admin, agent = keys.create("acme", "admin")[0], keys.create("acme", "agent")[0]
        with serve(create_app(settings, index=index, keys=keys)) as url:
            mined, refused = (
                httpx.post(f"{url}/v1/eval/mine", json={}, timeout=60,
                           headers={"Authorization": f"Bearer {k}"})  # fmt: skip
                for k in (admin, agent)
            )
            out = tmp_path / "mined.toml"
            cli = CliRunner().invoke(app, ["eval", "mine", "--against", url, "--key", admin,
                                           "--out", str(out)])  # fmt: skip
    finally:
        index.close()
    assert mined.status_code == 200, mined.text
    body = mined.json()
    assert body["tenant"] == "acme"
    assert sorted(c["qid"] for c in body["cases"]) == ["interaction:fixed", "interaction:refunded"]
    assert refused.status_code == 403
    assert cli.exit_code == 0, cli.output
    written = (tmp_path / "mined-cases" / "queries.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["qid"] for line in written) == sorted(
        c["qid"] for c in body["cases"]
    )
    assert 'tenant = "acme"' in out.read_text()


def test_a_mined_case_is_answered_without_its_own_source(tmp_path: Path) -> None:
    from casebook.wiring import open_index
    from eval.targets import LocalTarget, Probe
    from ingest.runner import Ingestor

    source = tmp_path / "interactions.jsonl"
    source.write_text("".join(json.dumps({"interaction_id": name.replace(" ", "-"),
                      "channel": "chat", "turns": [{"role": r, "text": t} for r, t in turns]})
                      + "\n" for name, turns in TICKETS.items()))  # fmt: skip
    settings = Settings(_env_file=None, data_dir=tmp_path / "idx", qdrant_url=None)  # type: ignore[call-arg]
    index = open_index(settings)
    try:
        Ingestor(index, settings).run([source], tenant="acme", kind="interactions")
        target = LocalTarget(index, settings)
        question = "thermostat shows error E42 and will not heat"
        found = {h.doc_id for h in target.search(Probe("acme", question), 5, "hybrid")}
        without = Probe("acme", question, exclude=["fixed"])
        left_out = {h.doc_id for h in target.search(without, 5, "hybrid")}
        reply = target.answer(without, 5)
    finally:
        index.close()
    assert "fixed" in found and "fixed" not in left_out and left_out
    assert "fixed" not in reply.cited_doc_ids
