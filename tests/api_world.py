"""A running app over a real Edge index holding two tenants with overlapping content, and keys.

Both tenants have documents and interactions with the same ids and near-identical text; only
a marker word (ACME / GLOBEX) and some numbers differ, so any leak between them shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import corpus
from backends import open_index, world_settings

from casebook.embedding import Embedder
from casebook.index import Index
from casebook.settings import Settings
from service import ingestion
from service.app import create_app
from service.keys import KeyStore

TENANTS = ("acme", "globex")
ROLES = ("agent", "bot", "admin")
MARKERS = {"acme": "ACME", "globex": "GLOBEX"}
DAYS = {"acme": "30", "globex": "90"}


def documents(tenant: str) -> list[dict[str, Any]]:
    marker, days = MARKERS[tenant], DAYS[tenant]
    return [
        {
            "id": "returns",
            "title": f"{marker} returns policy",
            "text": f"{marker} customers can return any item within {days} days of delivery. "
            f"Refunds from {marker} reach your card within five working days of approval.",
            "metadata": {"product": "store", "lang": "en"},
        },
        {
            "id": "router",
            "title": f"{marker} router reset",
            "text": f"To reset the {marker} router hold the pin button for ten seconds. "
            f"The {marker} router light turns blue when it is back online.",
            "metadata": {"product": "router", "lang": "en"},
        },
        {
            "id": f"{tenant}-only",
            "title": f"{marker} warranty",
            "text": f"The {marker} warranty covers hardware faults for two years.",
            "metadata": {"product": "store", "lang": "en"},
        },
    ]


def interactions(tenant: str) -> list[dict[str, Any]]:
    marker = MARKERS[tenant]
    return [
        {
            "interaction_id": f"ticket-{n}",
            "channel": "chat",
            "status": "resolved",
            "turns": [
                {"role": "customer", "text": f"I was charged twice for my {marker} order {n}."},
                {"role": "agent", "text": "Sorry about that, let me check the payments."},
                {"role": "agent", "text": f"I refunded the duplicate {marker} charge today."},
            ],
        }
        for n in (1, 2)
    ] + [
        {
            "interaction_id": "ticket-3",
            "channel": "email",
            "status": "resolved",
            "turns": [
                {"role": "customer", "text": f"My {marker} router will not connect to wifi."},
                {"role": "agent", "text": f"Hold the {marker} router pin button to reset it."},
                {"role": "customer", "text": "That worked, thanks."},
            ],
        }
    ]


@dataclass
class World:
    """The app's settings, its index and one key per (tenant, role)."""

    settings: Settings
    index: Index
    store: KeyStore
    keys: dict[tuple[str, str], str]

    def app(self) -> Any:
        return create_app(self.settings, index=self.index, keys=self.store)

    def headers(self, tenant: str, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[(tenant, role)]}"}


def build_world(root: Path, embedder: Embedder, **overrides: Any) -> World:
    """Ingest both tenants' documents and interactions as the product does, and create keys."""
    settings = world_settings(root / "data", **overrides)
    index = open_index("edge", root, embedder, settings)
    ingestor = ingestion.ingestor(index, settings)
    for tenant in TENANTS:
        folder = root / "input" / tenant
        folder.mkdir(parents=True)
        corpus.write_jsonl(folder / "kb.jsonl", documents(tenant))
        corpus.write_jsonl(folder / "tickets.jsonl", interactions(tenant))
        report = ingestor.run([folder], tenant=tenant)
        assert not report.failed and report.added == 6, report
    index.optimize()
    store = KeyStore(root / "data" / "keys.json")
    keys = {(t, r): store.create(t, r)[0] for t in TENANTS for r in ROLES}
    return World(settings, index, store, keys)
