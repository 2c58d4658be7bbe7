"""Casebook's one settings object, read from CASEBOOK_* variables and an optional .env file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from casebook.conversation import Budget
from casebook.ranking import RankWeights

Fusion = Literal["rrf", "dbsf"]


@dataclass(frozen=True)
class Retrieval:
    """How the index searches; built only by `Settings.retrieval`, so it has no defaults."""

    fusion: Fusion
    history_turns: int
    rrf_k: int
    prefetch_limit: int
    candidates: int
    weights: RankWeights


class Settings(BaseSettings):
    """Every knob Casebook reads; build it once at the edge and pass it in."""

    model_config = SettingsConfigDict(
        env_prefix="CASEBOOK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("./data"), description="Where the embedded index and state live.")
    qdrant_url: str | None = Field(None, description="Qdrant server URL; unset uses Qdrant Edge.")
    qdrant_api_key: SecretStr | None = Field(None, description="API key for the Qdrant server.")
    collection: str = Field("casebook", description="Collection name on a Qdrant server.")
    embed_model: str | None = Field(
        None, description="Path or name of a sentence-transformers model; unset = packaged MiniLM."
    )
    embed_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="auto = bfloat16 on CPUs with native bf16, else float32."
    )
    embed_batch_size: int = Field(32, ge=1, description="Texts per embedding batch.")
    chunk_tokens: int = Field(200, ge=32, description="Maximum tokens per chunk.")
    chunk_overlap: int = Field(40, ge=0, description="Tokens shared by neighbouring chunks.")
    history_turns: int = Field(8, ge=0, description="Previous turns added to a query as context.")
    fusion: Fusion = Field("dbsf", description="How dense and BM25 are fused.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant k.")
    prefetch_limit: int = Field(100, ge=1, description="Candidates per retriever before fusion.")
    search_candidates: int = Field(
        100, ge=1, description="Chunks each search ranks before keeping the top_k."
    )
    optimize_after_chunks: int = Field(
        2000,
        ge=1,
        description="An upload rebuilds the HNSW graph once this many chunks were written since "
        "the last rebuild; `casebook ingest` rebuilds after every run that wrote.",
    )
    redact_interactions: bool = Field(
        True, description="Redact personal data from interactions before they are stored."
    )
    redact_documents: bool = Field(False, description="Redact personal data from documents too.")
    pii_patterns: dict[str, str] = Field(
        default_factory=dict, description='Extra PII regexes as JSON: {"NAME": "regex"}.'
    )
    pii_pseudonyms: bool = Field(
        False, description="Number values per interaction ([EMAIL_1]) instead of [EMAIL]."
    )
    agent_email_domains: list[str] = Field(
        default_factory=list,
        description='Your agents\' email domains, as JSON ["example.com"]; '
        "else an email thread's first sender is the customer.",
    )
    max_top_k: int = Field(100, ge=1, description="Largest top_k a caller may ask for.")
    max_query_chars: int = Field(
        2000,
        ge=1,
        description="Longest search query accepted; a longer question to answer keeps its end.",
    )
    max_history_turns: int = Field(
        50,
        ge=0,
        description="Most history turns searched; answers keep the newest, search refuses more.",
    )
    max_turn_chars: int = Field(
        8000, ge=1, description="Longest history turn; answers keep its end, search refuses."
    )
    question_focus_chars: int = Field(
        500,
        ge=50,
        description="A longer message is answered from its last sentences; the rest is context.",
    )
    max_body_bytes: int = Field(
        1_000_000, ge=1024, description="Largest request body, except document uploads."
    )
    max_upload_bytes: int = Field(
        50_000_000, ge=1024, description="Largest document upload (POST /v1/documents)."
    )
    sync_upload_bytes: int = Field(
        1_000_000,
        ge=0,
        description="Uploads up to this size are ingested before the response; larger ones "
        "run as a job (GET /v1/jobs/{id}).",
    )
    rate_limit_per_minute: int = Field(
        600, ge=0, description="Requests per minute per API key; 0 turns the limit off."
    )
    rate_limit_burst: int = Field(60, ge=1, description="Requests a key may make at once.")
    handoff: bool = Field(
        True,
        description="Hand a conversation to a person (reason needs_human, urgent_safety or "
        "account_specific) whatever the knowledge base holds.",
    )
    handoff_rules: Path | None = Field(
        None, description="JSON file of hand-off patterns and examples; unset = the packaged ones."
    )
    answer_min_confidence: float = Field(
        0.5, ge=0.0, le=1.0, description="Answers with a lower confidence abstain."
    )
    llm_provider: Literal["none", "openai", "azure", "openai_like", "ollama"] = Field(
        "none",
        description="LLM for generated answers and summaries; none answers extractively. "
        "openai_like: vLLM, llama.cpp server, LM Studio or any OpenAI-compatible server.",
    )
    llm_base_url: str | None = Field(
        None,
        description="Endpoint: the API base (.../v1) for openai and openai_like, the resource "
        "URL for azure, the server for ollama (default http://localhost:11434).",
    )
    llm_model: str | None = Field(None, description="Model name (azure: the model behind it).")
    llm_api_key: SecretStr | None = Field(None, description="API key of the LLM endpoint.")
    llm_api_version: str | None = Field(
        None, description="Azure OpenAI API version, e.g. 2024-10-21."
    )
    llm_deployment: str | None = Field(None, description="Azure OpenAI deployment name.")
    llm_timeout_s: float = Field(
        30.0, gt=0, description="Seconds to wait for the LLM before answering extractively."
    )
    llm_max_tokens: int = Field(512, ge=1, description="Most tokens a generated answer may use.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="LLM sampling temperature.")
    llm_canaries: list[str] = Field(
        default_factory=list,
        description='Strings planted in test documents, as JSON ["CANARY-123"]; an answer '
        "that contains one is replaced by the extractive answer.",
    )
    metrics_stats_max_age_s: float = Field(
        60.0,
        ge=0,
        description="Longest /metrics serves cached index counts; this process's own writes "
        "refresh them at the next scrape.",
    )
    log_format: Literal["json", "text"] = Field("json", description="Server log lines.")
    host: str = Field("127.0.0.1", description="Address `casebook serve` listens on.")
    port: int = Field(8000, description="Port `casebook serve` listens on.")
    log_level: str = Field("INFO", description="Python logging level.")

    @property
    def conversation_budget(self) -> Budget:
        """How much of a conversation answers keep."""
        return Budget(
            question_chars=self.max_query_chars,
            history_turns=self.max_history_turns,
            turn_chars=self.max_turn_chars,
            focus_chars=self.question_focus_chars,
        )

    @property
    def retrieval(self) -> Retrieval:
        """How the index searches (the one source of its defaults)."""
        return Retrieval(
            fusion=self.fusion,
            history_turns=self.history_turns,
            rrf_k=self.rrf_k,
            prefetch_limit=self.prefetch_limit,
            candidates=self.search_candidates,
            weights=RankWeights(),
        )

    @property
    def edge_path(self) -> Path:
        """Folder of the embedded Qdrant Edge shard."""
        return self.data_dir / "qdrant-edge"
