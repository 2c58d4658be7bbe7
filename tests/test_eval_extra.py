"""A server install leaves out the evaluation frameworks; `casebook eval` then names the extra."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from cli.main import app as cli


def test_eval_without_ragas_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "eval" or m.startswith(("eval.", "ragas"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ragas", None)  # `import ragas` now fails as if not installed
    result = CliRunner().invoke(cli, ["eval", "run", "smoke"])
    assert result.exit_code == 2
    assert "pip install 'casebook[eval]'" in result.output and "ragas" in result.output
