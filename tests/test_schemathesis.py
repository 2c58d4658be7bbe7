"""Schemathesis against the live app (uvicorn on a local port), every check, with a valid key.

Every operation in the OpenAPI document is called with generated valid and invalid requests:
no response may be a 5xx, and every response must match the documented status codes, content
types, headers and schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_world import World, build_world
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from live import serve
from schemathesis import GenerationMode
from schemathesis.checks import load_all_checks

from casebook.embedding import Embedder

load_all_checks()
EXAMPLES = 60  # per operation and mode


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[str, World]]:
    world = build_world(
        tmp_path_factory.mktemp("schemathesis"),
        embedder,
        rate_limit_per_minute=0,
        sync_upload_bytes=1_000_000,
    )
    try:
        with serve(world.app()) as url:
            yield url, world
    finally:
        world.index.close()


def test_api_conforms_to_its_schema(live: tuple[str, World]) -> None:
    base_url, world = live
    api = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    # An invalid request may also be too large (a history of long turns past its maxLength):
    # 413 rejects it as well as 422 does.
    rejection = api.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    headers = world.headers("acme", "admin")
    failures: list[str] = []
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def check(case: Any) -> None:
                case.call_and_validate(headers=headers)

            try:
                check()
            except Unsatisfiable:
                continue  # nothing about this operation can be invalid (no body, free params)
            except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failures
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
