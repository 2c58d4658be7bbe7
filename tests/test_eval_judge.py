"""Ragas's judged metrics run against a scripted OpenAI-compatible judge over real HTTP."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_llm import FakeLLM, Request, Script
from test_eval_gating import answers_suite

from eval.command import evaluate

INPUT = re.compile(r"Now perform the same with the following input\ninput: (.*)\nOutput: ", re.S)
FAITHFUL, CLAIMS, RELEVANCE = "judge the faithfulness", "Decompose", "Generate a question"


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def supported(statement: str, context: str) -> int:
    """1 when one holds every word of the other: a literal judge (a short reference such as
    "ten seconds" supports an answer that says it, and is supported by it)."""
    said, premise = words(statement), words(context)
    return int(said <= premise or premise <= said)


def judge(request: Request) -> str:
    """A Ragas prompt's JSON reply, worked out from its input; anything else (the answer
    generator's prompt) gets a reply citing no source, so answers stay extractive."""
    prompt = request["messages"][-1]["content"]
    found = INPUT.search(prompt)
    if found is None:
        return "No sources cited here."
    data: dict[str, Any] = json.loads(found.group(1))
    if "statements" in data:  # NLI: faithfulness, and factual correctness both ways
        verdicts = [{"statement": s, "reason": "literal", "verdict": supported(s, data["context"])}
                    for s in data["statements"]]  # fmt: skip
        return json.dumps({"statements": verdicts})
    if "answer" in data:  # faithfulness: the answer's statements
        return json.dumps({"statements": [data["answer"]]})
    if RELEVANCE in prompt:
        return json.dumps({"question": data["response"], "noncommittal": 0})
    assert CLAIMS in prompt, prompt[:200]
    return json.dumps({"claims": [data["response"]]})


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], FakeLLM]]:
    fake = FakeLLM().start()
    fake.default = Script(judge)
    tmp = tmp_path_factory.mktemp("judge")
    suite = answers_suite(tmp, ("right", "wrong"))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CASEBOOK_LLM_PROVIDER", "openai_like")
        env.setenv("CASEBOOK_LLM_BASE_URL", fake.url)
        env.setenv("CASEBOOK_LLM_MODEL", "judge-model")
        try:
            yield evaluate(str(suite), progress=False), fake
        finally:
            fake.close()


def test_judged_metrics_run_and_land_in_the_results(judged: tuple) -> None:
    result, fake = judged
    prompts = [r["messages"][-1]["content"] for r in fake.requests]
    assert any(FAITHFUL in p for p in prompts) and any(CLAIMS in p for p in prompts)
    assert any(RELEVANCE in p for p in prompts)
    assert not any("judge failed" in n for n in result["notes"]), result["notes"]
    for name in ("faithfulness", "factual_correctness", "response_relevancy"):
        for s in ("right", "wrong"):
            value = result["metrics"][f"{s}.ragas.{name}"]
            assert value is not None and 0.0 <= value <= 1.0, (s, name, value)


def test_the_judge_scores_what_it_was_told(judged: tuple) -> None:
    """Extractive answers quote the contexts: faithful; the wrong set's references name what
    no answer says: factual correctness falls."""
    result, _ = judged
    metrics = result["metrics"]
    assert metrics["right.ragas.faithfulness"] == 1.0
    assert metrics["wrong.ragas.factual_correctness"] < metrics["right.ragas.factual_correctness"]
    rows = [r for r in result["sets"]["right"]["rows"] if r["answered"] and r["answerable"]]
    assert rows and all(r["ragas.faithfulness"] == 1.0 for r in rows)
    assert result["sets"]["right"]["answers"]["fallback_reason"]  # the generator was asked too


def test_a_failing_judge_is_a_note_not_a_score(tmp_path: Path) -> None:
    fake = FakeLLM().start()
    fake.default = Script("not json at all")
    suite = answers_suite(tmp_path, ("right",))
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CASEBOOK_LLM_PROVIDER", "openai_like")
            env.setenv("CASEBOOK_LLM_BASE_URL", fake.url)
            env.setenv("CASEBOOK_LLM_MODEL", "judge-model")
            result = evaluate(str(suite), progress=False)
    finally:
        fake.close()
    assert result["metrics"]["right.ragas.faithfulness"] is None
    assert any("judge failed" in n for n in result["notes"]), result["notes"]
