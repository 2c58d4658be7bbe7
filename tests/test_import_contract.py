"""The import contract (pyproject's [tool.importlinter], run by `make lint`) holds, and fails on
an import that runs up a layer."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("casebook", "grounding", "answers", "summaries", "ingest", "service", "eval", "cli")
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))

pytestmark = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter (dev extra) missing")


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the packages in `tree`, with its pyproject.toml."""
    env = os.environ | {"PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    """The packages' Python files and pyproject.toml, in a scratch folder."""

    def not_python(folder: str, names: list[str]) -> list[str]:
        return [n for n in names if (Path(folder) / n).is_file() and not n.endswith(".py")]

    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_code_keeps_the_import_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "names"),
    [
        ("casebook/models.py", "import service.app", "casebook is not allowed to import service"),
        ("ingest/chunking.py", "import eval.report", "ingest is not allowed to import eval"),
        ("casebook/bm25.py", "import fastapi", "casebook is not allowed to import fastapi"),
        ("service/deps.py", "import ragas", "service is not allowed to import ragas"),
        (
            "summaries/document.py",
            "import answers.ask",
            "summaries is not allowed to import answers",
        ),
        (
            "ingest/runner.py",
            "import summaries.interaction",
            "ingest is not allowed to import summaries",
        ),
        (
            "grounding/prompt.py",
            "import answers.decision",
            "grounding is not allowed to import answers",
        ),
        ("service/app.py", "import cli.main", "service is not allowed to import cli"),
    ],
    ids=[
        "core-imports-service",
        "ingest-imports-eval",
        "core-imports-fastapi",
        "service-ragas",
        "feature-imports-feature",
        "ingest-imports-feature",
        "grounding-imports-feature",
        "service-imports-cli",
    ],
)
def test_an_import_up_a_layer_breaks_the_contract(
    tmp_path: Path, module: str, line: str, names: str
) -> None:
    tree = copy_of_the_code(tmp_path)
    with (tree / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    assert names in result.stdout, result.stdout
