"""The LLM behind generated answers, built from settings at the edge (create_app, the CLI).

Each provider is llama-index's own class. Retries are off: a slow or failing endpoint should
fall back to the extractive answer within one timeout, not after three. llama-index's global
``Settings.llm`` is never touched (it silently defaults to OpenAI); the LLM is passed along.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from casebook.errors import CasebookError
from casebook.settings import Settings

if TYPE_CHECKING:  # llama-index's LLM classes import only when an LLM is configured
    from llama_index.core.llms import LLM

OLLAMA_URL = "http://localhost:11434"
NO_KEY = "none"  # OpenAI-compatible servers without auth still need some key in the client


class LLMConfigError(CasebookError):
    """The LLM settings are incomplete (a model, a deployment, an API version is missing)."""


def _require(value: str | None, variable: str, provider: str) -> str:
    if not value:
        raise LLMConfigError(f"CASEBOOK_{variable} must be set for llm_provider {provider}")
    return value


def build_llm(settings: Settings) -> LLM | None:
    """The configured LLM, or None for provider none (extractive answers only)."""
    provider = settings.llm_provider
    if provider == "none":
        return None
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    common: dict[str, Any] = {
        "temperature": settings.llm_temperature,
        "max_tokens": settings.llm_max_tokens,
        "timeout": settings.llm_timeout_s,
        "max_retries": 0,
    }
    if provider == "openai":
        from llama_index.llms.openai import OpenAI

        model = _require(settings.llm_model, "LLM_MODEL", provider)
        return OpenAI(model=model, api_key=key, api_base=settings.llm_base_url, **common)
    if provider == "azure":
        from llama_index.llms.azure_openai import AzureOpenAI

        return AzureOpenAI(
            model=settings.llm_model or "gpt-4o-mini",
            engine=_require(settings.llm_deployment, "LLM_DEPLOYMENT", provider),
            azure_endpoint=_require(settings.llm_base_url, "LLM_BASE_URL", provider),
            api_version=_require(settings.llm_api_version, "LLM_API_VERSION", provider),
            api_key=key,
            **common,
        )
    if provider == "openai_like":
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=_require(settings.llm_model, "LLM_MODEL", provider),
            api_base=_require(settings.llm_base_url, "LLM_BASE_URL", provider),
            api_key=key or NO_KEY,
            is_chat_model=True,
            is_function_calling_model=False,
            **common,
        )
    from llama_index.llms.ollama import Ollama

    return Ollama(
        model=_require(settings.llm_model, "LLM_MODEL", provider),
        base_url=settings.llm_base_url or OLLAMA_URL,
        temperature=settings.llm_temperature,
        request_timeout=settings.llm_timeout_s,
        additional_kwargs={"num_predict": settings.llm_max_tokens},
        headers={"Authorization": f"Bearer {key}"} if key else None,
    )
