"""The README's demo examples are true: every command in a block marked `<!-- demo -->` runs
against the sample corpus (what `make demo` serves) and prints what the README shows.

A block is a ```console fence right after the marker: lines starting with `$ casebook` are
commands, the lines after each are its output. Confidences may differ by 0.05 between CPUs
(bf16 rounding); everything else must match exactly.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"<!-- demo -->\s*```console\n(.*?)```", re.DOTALL)
CONFIDENCE = re.compile(r"confidence (\d\.\d\d)")


def examples() -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every demo example of the README."""
    out: list[tuple[str, list[str]]] = []
    for block in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
    return out


EXAMPLES = examples()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    data = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CASEBOOK_DATA_DIR", str(data))
        result = CliRunner().invoke(app, ["ingest", str(ROOT / "casebook" / "sample")])
        assert result.exit_code == 0, result.output
        yield


def same(shown: str, printed: str) -> bool:
    a, b = CONFIDENCE.search(shown), CONFIDENCE.search(printed)
    if a and b:
        close = abs(float(a.group(1)) - float(b.group(1))) <= 0.05
        return close and CONFIDENCE.sub("", shown) == CONFIDENCE.sub("", printed)
    return shown == printed


def test_the_readme_has_demo_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_a_readme_example_prints_what_the_readme_shows(
    demo: None, command: str, expected: list[str]
) -> None:
    argv = shlex.split(command)
    assert argv[0] == "casebook"
    result = CliRunner().invoke(app, argv[1:])
    printed = result.output.rstrip("\n").splitlines()
    assert result.exit_code == 0, result.output
    assert len(printed) == len(expected), result.output
    for shown, got in zip(expected, printed, strict=True):
        assert same(shown, got), f"README shows {shown!r}, the demo prints {got!r}"
