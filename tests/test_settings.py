"""Settings: .env.example documents every variable with its real default; weights are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from casebook.embedding import packaged_model_path, verify_packaged_model
from casebook.errors import CasebookError
from casebook.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _example_values() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip().lstrip("#").strip()
        if line.startswith("CASEBOOK_") and "=" in line:
            key, _, value = line.partition("=")
            values[key.removeprefix("CASEBOOK_").lower()] = value
    return values


def test_env_example_lists_every_setting() -> None:
    assert set(_example_values()) == set(Settings.model_fields)


def test_env_example_shows_the_real_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # no .env there in CI; the example is read explicitly below
    example = {k: v for k, v in _example_values().items() if v}
    from_example = Settings(_env_file=str(ROOT / ".env.example"))  # type: ignore[call-arg]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for key in example:
        assert getattr(from_example, key) == getattr(defaults, key), key


def test_settings_read_casebook_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_CHUNK_TOKENS", "128")
    monkeypatch.setenv("CASEBOOK_QDRANT_URL", "http://qdrant:6333")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.chunk_tokens == 128
    assert settings.qdrant_url == "http://qdrant:6333"


def test_packaged_model_passes_its_integrity_check() -> None:
    verify_packaged_model(packaged_model_path())


def test_tampered_model_weights_are_refused(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"not the published weights")
    with pytest.raises(CasebookError, match="integrity check"):
        verify_packaged_model(tmp_path)
