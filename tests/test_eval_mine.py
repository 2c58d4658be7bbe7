"""Mining that makes good cases: the agent's fix as the expected answer, clean questions, no
self-retrieval, feedback comments as expected answers, and mining over the API."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from live import serve
from typer.testing import CliRunner

from casebook.feedback import AnsweredQuestion, FeedbackStore
from casebook.interactions import Interaction, Turn
from casebook.settings import Settings
from cli.main import app
from mining.cases import expected_from, from_feedback, from_records, interaction_case, problem
from mining.quality import asks, has_content, stands_alone
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


@pytest.mark.parametrize(
    "opening",
    [
        "I was charged twice for one thermostat. Can you fix this? Thanks, Priya Sandoval",
        "I was charged twice for one thermostat. Can you fix this?\n\nMarta Lindqvist",
        "I was charged twice for one thermostat. Can you fix this? Kind regards, Tom",
    ],
)
def test_a_question_loses_its_sign_off(opening: str) -> None:
    asked = Interaction("s", "email", [Turn("customer", opening), Turn("agent", "Refunded.")])
    assert problem(asked) == "I was charged twice for one thermostat. Can you fix this?"


def test_gold_is_the_cited_documents_never_the_interaction() -> None:
    case = interaction_case(interaction("fixed", cited=["thermostat-manual", "fixed"]))
    assert case is not None
    assert case["gold_doc_ids"] == ["thermostat-manual"]
    assert case["metadata"]["exclude_doc_ids"] == ["fixed"]


def _case(*turns: tuple[str, str]) -> dict | None:
    return interaction_case(Interaction("t", "chat", [Turn(role, text) for role, text in turns]))


def test_an_informative_answer_to_an_opening_question_is_a_case() -> None:
    # doc2dial's agents answer from documents: nothing is fixed, the question is answered
    case = _case(
        ("customer", "Do I need insurance to register my vehicle?"),
        ("agent", "Yes. The DMV requires auto liability insurance to register a vehicle here."),
        ("agent", "Do you have insurance?"),
        ("customer", "No"),
    )
    assert case is not None and case["metadata"]["fix_kind"] == "answer"
    assert case["reference_answer"] == (
        "The DMV requires auto liability insurance to register a vehicle here."
    )
    # the sympathy before the answer is left out, and the question after it ends it
    reply = "We'd love to help. You can turn off automatic updates in Settings > App Store. Which?"
    case = _case(("customer", "How do I turn off these update alerts?"), ("agent", reply))
    assert case is not None
    assert case["reference_answer"] == "You can turn off automatic updates in Settings > App Store."


def test_an_answer_makes_a_case_only_when_the_reranker_judges_it_answers() -> None:
    """Phrase rules pass a generic first reply; the answer reranker (real weights) does not.
    A fix keeps its case on the customer's confirmation, and a second dialogue saying the
    same thing makes no second case."""

    def asked(name: str, question: str, reply: str) -> Interaction:
        return Interaction(name, "chat", [Turn("customer", question), Turn("agent", reply)])

    dental = "What is the VA dental insurance program?"
    answered = "The VA Dental Insurance Program or VADIP offers discounted private dental cover."
    generic = "Of course it is important to search for information before you apply."
    records = [
        asked("answered", dental, answered),
        asked("answered-again", dental, answered),
        asked("generic", dental, generic),
        interaction("refunded"),
    ]
    assert all(interaction_case(i) is not None for i in records)  # the phrase rules pass all
    cases = {c["metadata"]["interaction_id"]: c for c in from_records(records)}
    assert set(cases) == {"answered", "refunded"}
    assert cases["answered"]["metadata"]["fit"] >= 0.5
    assert "fit" not in cases["refunded"]["metadata"]


@pytest.mark.parametrize(
    "reply",
    [
        "Are you asking on behalf of yourself?",  # a question back
        "We will update our records to show that your status has been extended.",  # a promise
        "I have sent your chats through to one of our Managers.",  # a referral
        "We're looking into your question and will have an update for you shortly.",
        "Please DM us your booking number.",
        "Here is an example to show how your refund amount is determined:",  # a lead-in
        "Check tips on how to manage your data here",  # the link was the answer
        "I'm so sorry to hear that, that doesn't sound fun!",  # sympathy only
        "We appreciate you reaching out. We know how important it is to have your apps up to date.",
        "We'd like to check on an update for you.",
        "There are pros and cons when consolidating your educational loans.",  # says nothing
        "In this case you need to know the eligibility requirements for discharge.",
        "We have noted your concern and will get in touch with you soon.",
        "Request you to provide your contact details to assist you better.",
        "I've tried calling you, however the call is going straight to voicemail.",
        "Hey Ethan, that shouldn't be happening.",
        "We don't want you to miss out on your favorite music.",
        "You can find out what happens after you request a decision review on our page.",
        "...at (800) 325 8224.",  # the second half of a thread
        "Of course.",
    ],
)
def test_a_reply_that_does_not_answer_makes_no_case(reply: str) -> None:
    assert _case(("customer", "How is the refund amount for my plates determined?"),
                 ("agent", reply), ("customer", "Thanks")) is None  # fmt: skip


@pytest.mark.parametrize(
    "fix",
    [
        "To resolve a blue screen error, check this link: https://t.co/abc",
        "You can use the following PowerShell cmdlets to delete the account:",
        "Hi Ivory, we had resent the itinerary to: __email__.",
        "If so, try disabling it in Settings.",
        "We have issued our final decision on this matter.",
        "Let's try uninstalling the game, power cycling, and reinstalling 1",  # a thread cut short
        "From your reservation, a refund has been issued on 7 Nov and it will take up to",
    ],
)
def test_a_fix_that_does_not_stand_on_its_own_makes_no_case(fix: str) -> None:
    assert not stands_alone(fix)
    assert _case(("customer", "My laptop shows a blue screen after the latest update"),
                 ("agent", fix), ("customer", "That worked, thanks!")) is None  # fmt: skip


def test_an_action_the_customer_never_acknowledged_makes_no_case() -> None:
    turns = [
        ("customer", "Calls to my number never connect, people say it is switched off."),
        ("agent", "There was a temporary issue, it has been resolved now."),
    ]
    assert _case(*turns) is None
    assert _case(*turns, ("customer", "Thanks, calls come through again.")) is not None


def test_only_an_opening_that_seeks_information_takes_an_answer() -> None:
    assert asks("Hello I need information about how to get new plates")
    assert asks("I'd like to know if I can apply online.")
    assert not asks("Both employees gave me false info and I missed the upgrade I wanted.")
    answer = ("agent", "Longer trains will be introduced in December on the Earlsfield line.")
    assert _case(("customer", "When are the longer trains coming to Earlsfield?"), answer)
    assert _case(("customer", "Your trains to Earlsfield are a disgrace."), answer) is None


def test_a_question_with_no_content_makes_no_case() -> None:
    assert not has_content("kindly need help on this matter AA! Tq")
    assert has_content("I need to change my address.")
    assert _case(("customer", "kindly need help on this matter AA! Tq"),
                 ("agent", "I have refunded the duplicate charge."),
                 ("customer", "Thanks")) is None  # fmt: skip


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
                httpx.post(
                    f"{url}/v1/eval/mine",
                    json={},
                    timeout=60,
                    headers={"Authorization": f"Bearer {k}"},
                )  # fmt: skip
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
