"""Ragas's LLM-judged metrics (faithfulness, factual correctness, response relevancy), run
with the configured OpenAI-compatible endpoint as the judge."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from casebook.settings import Settings

JUDGED = ("faithfulness", "factual_correctness", "response_relevancy")
PROVIDERS = ("openai", "openai_like")
NO_JUDGE = (
    f"LLM-judged Ragas metrics ({', '.join(JUDGED)}) skipped: no judge endpoint configured "
    "(set CASEBOOK_LLM_PROVIDER, CASEBOOK_LLM_BASE_URL and CASEBOOK_LLM_MODEL)"
)


class Judge:
    """The three judged metrics of one answer; a metric the judge fails on is None."""

    def __init__(self, settings: Settings, embeddings: Any) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            from langchain_openai import ChatOpenAI
            from ragas.llms import LangchainLLMWrapper
            from ragas.metrics import FactualCorrectness, Faithfulness, ResponseRelevancy

        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
        chat = ChatOpenAI(
            model=settings.llm_model or "",
            base_url=settings.llm_base_url,
            api_key=key,  # type: ignore[arg-type]
            temperature=0.0,
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )
        llm = LangchainLLMWrapper(chat)
        self.metrics = {
            "faithfulness": Faithfulness(llm=llm),
            "factual_correctness": FactualCorrectness(llm=llm),
            "response_relevancy": ResponseRelevancy(llm=llm, embeddings=embeddings, strictness=1),
        }
        self.errors: list[str] = []

    def score(
        self, question: str, answer: str, contexts: Sequence[str], reference: str
    ) -> dict[str, float | None]:
        """`ragas.<metric>` for one answer."""
        from ragas import SingleTurnSample

        sample = SingleTurnSample(
            user_input=question,
            response=answer,
            retrieved_contexts=list(contexts),
            reference=reference,
        )
        out: dict[str, float | None] = {}
        for name, metric in self.metrics.items():
            try:
                value = float(metric.single_turn_score(sample))
                out[f"ragas.{name}"] = None if value != value else value  # NaN: no verdict
            except Exception as exc:  # noqa: BLE001 - the judge's failure is a missing score
                self.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:120]}")
                out[f"ragas.{name}"] = None
        return out


def judge_note(settings: Settings) -> str | None:
    """Why no judge runs (None when one does)."""
    if settings.llm_provider == "none" or not settings.llm_model:
        return NO_JUDGE
    if settings.llm_provider not in PROVIDERS:
        return f"LLM-judged Ragas metrics skipped: the judge speaks {' or '.join(PROVIDERS)} only"
    return None
