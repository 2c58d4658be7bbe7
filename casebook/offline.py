"""Process-wide switches that keep every library off the network."""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "SCARF_NO_ANALYTICS": "true",
    "DO_NOT_TRACK": "true",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
}


def go_offline() -> None:
    """Set the variables that stop model hubs and telemetry (before those libraries import)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
