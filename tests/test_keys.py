"""API keys: the store on disk, and the FastAPI dependencies over a tiny app built here."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casebook.errors import KeyFileError, KeyNotFound, RateLimited
from casebook.settings import Settings
from casebook.shapes import to_json
from service.auth import AdminDep, CallerDep, RateLimiter, ReaderDep, WriterDep, require
from service.errors import install_error_handlers
from service.keys import Caller, KeyStore


@pytest.fixture
def store(tmp_path: Path) -> KeyStore:
    return KeyStore(tmp_path / "data" / "keys.json")


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# The store


def test_a_created_key_verifies_as_its_tenant_and_role(store: KeyStore) -> None:
    key, record = store.create("acme", "agent")
    assert key.startswith(f"cb_{record.key_id}_")
    assert store.verify(key) == Caller(record.key_id, "acme", "agent")


def test_the_store_lives_in_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert KeyStore.for_settings(settings).path == tmp_path / "keys.json"


def test_only_a_hash_of_the_secret_is_stored(store: KeyStore) -> None:
    key, record = store.create("acme", "admin")
    secret = key.split("_", 2)[2]
    content = store.path.read_text()
    assert key not in content and secret not in content
    assert record.secret_sha256 in content
    listed = store.list()
    assert key not in repr(listed) and secret not in repr(listed)
    assert "secret_sha256" not in to_json(listed[0])


def test_every_key_is_new(store: KeyStore) -> None:
    created = [store.create("acme", "bot") for _ in range(20)]
    assert len({key for key, _ in created}) == 20
    assert len({record.key_id for _, record in created}) == 20


def test_list_shows_every_key_oldest_first_with_revoked_ones_flagged(store: KeyStore) -> None:
    _, first = store.create("acme", "agent")
    _, second = store.create("globex", "admin")
    store.revoke(first.key_id)
    listed = store.list()
    assert {r.key_id for r in listed} == {first.key_id, second.key_id}
    by_id = {r.key_id: r for r in listed}
    assert not by_id[first.key_id].active and by_id[first.key_id].revoked_at is not None
    assert by_id[second.key_id].active and by_id[second.key_id].revoked_at is None
    assert [r.created_at for r in listed] == sorted(r.created_at for r in listed)


def test_revoked_keys_stop_verifying(store: KeyStore) -> None:
    key, record = store.create("acme", "admin")
    other, _ = store.create("acme", "admin")
    store.revoke(record.key_id)
    assert store.verify(key) is None
    assert store.verify(other) is not None


def test_revoking_an_unknown_key_raises_key_not_found(store: KeyStore) -> None:
    store.create("acme", "agent")
    with pytest.raises(KeyNotFound, match="0123456789ab"):
        store.revoke("0123456789ab")


def test_revoking_twice_keeps_the_first_revocation(store: KeyStore) -> None:
    _, record = store.create("acme", "agent")
    first = store.revoke(record.key_id)
    assert store.revoke(record.key_id) == first


def test_a_second_store_sees_keys_created_and_revoked_by_the_first(store: KeyStore) -> None:
    server = KeyStore(store.path)  # as a running server beside the CLI
    assert server.is_empty()
    key, record = store.create("acme", "agent")
    assert server.verify(key) == Caller(record.key_id, "acme", "agent")
    store.revoke(record.key_id)
    assert server.verify(key) is None


def test_a_key_with_a_wrong_secret_does_not_verify(store: KeyStore) -> None:
    key, _ = store.create("acme", "agent")
    other, _ = store.create("acme", "agent")
    prefix, secret = key[:16], key[16:]  # "cb_<12 hex>_", then the secret

    def other_than(char: str) -> str:
        return "B" if char == "A" else "A"

    wrong = [
        prefix + secret[:-1] + other_than(secret[-1]),  # differs in the last character
        prefix + other_than(secret[0]) + secret[1:],  # ... in the first
        prefix + secret[:-1],  # one short
        key + "A",  # one long
        prefix + other[16:],  # another key's secret under this key's id
        other[:16] + secret,  # this key's secret under another key's id
    ]
    assert all(store.verify(candidate) is None for candidate in wrong)
    assert store.verify(key) is not None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "cb_",
        "cb__",
        "cb_0123456789ab_",
        "xx_0123456789ab_secret",
        "cb_NOTHEX012345_s",
        "a" * 5000,
    ],
)
def test_malformed_keys_do_not_verify(store: KeyStore, key: str) -> None:
    store.create("acme", "agent")
    assert store.verify(key) is None


@pytest.mark.parametrize("tenant", ["", "a" * 65, "acme corp", "acme/eu", "../etc", "café", "a\n"])
def test_invalid_tenants_are_rejected(store: KeyStore, tenant: str) -> None:
    with pytest.raises(ValueError, match="invalid tenant"):
        store.create(tenant, "agent")
    assert not store.path.exists()


@pytest.mark.parametrize("tenant", ["a", "a" * 64, "Acme.EU-1_support"])
def test_valid_tenants_are_accepted(store: KeyStore, tenant: str) -> None:
    key, record = store.create(tenant, "bot")
    assert store.verify(key) == Caller(record.key_id, tenant, "bot", "customer")


@pytest.mark.parametrize("role", ["", "root", "Admin", "customer"])
def test_invalid_roles_are_rejected(store: KeyStore, role: str) -> None:
    with pytest.raises(ValueError, match="invalid role"):
        store.create("acme", role)


def test_the_key_file_and_its_lock_are_private(store: KeyStore) -> None:
    _, record = store.create("acme", "agent")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    store.revoke(record.key_id)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.with_name("keys.json.lock").stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_concurrent_writers_lose_no_keys(store: KeyStore) -> None:
    def create_five() -> None:
        writer = KeyStore(store.path)  # its own store, as separate CLI runs would have
        for _ in range(5):
            writer.create("acme", "agent")

    threads = [threading.Thread(target=create_five) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.list()) == 40


def test_the_store_is_open_until_a_key_is_created_and_stays_locked_after(store: KeyStore) -> None:
    assert store.is_empty()
    _, record = store.create("acme", "admin")
    assert not store.is_empty()
    store.revoke(record.key_id)
    assert not store.is_empty()  # revoking the last key does not open the service
    store.path.unlink()
    assert not store.is_empty()  # nor does deleting the file under a running process
    assert KeyStore(store.path).is_empty()  # a fresh process (a restart) starts open again


def test_a_damaged_key_file_is_an_error_not_an_open_door(store: KeyStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"version": 1, "keys": [{"key_id": ')
    with pytest.raises(KeyFileError):
        store.is_empty()
    with pytest.raises(KeyFileError):
        store.create("acme", "agent")


@pytest.mark.parametrize(
    ("role", "read", "write", "manage"),
    [("agent", True, False, False), ("bot", True, False, False), ("admin", True, True, True)],
)
def test_roles_grant_their_permissions(role: str, read: bool, write: bool, manage: bool) -> None:
    caller = Caller("k", "acme", role)
    assert (caller.can("read"), caller.can("write"), caller.can("manage")) == (read, write, manage)
    assert not caller.can("anything-else")


# The FastAPI dependencies


def tiny_app(store: KeyStore, limiter: RateLimiter | None = None) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.keys = store
    if limiter is not None:
        app.state.rate_limiter = limiter

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/whoami")
    def whoami(caller: CallerDep) -> dict[str, str]:
        return {"tenant": caller.tenant, "role": caller.role}

    @app.get("/search")
    def search(caller: ReaderDep) -> dict[str, str]:
        return {"tenant": caller.tenant}

    @app.post("/documents")
    def upload(caller: WriterDep) -> dict[str, str]:
        return {"tenant": caller.tenant}

    @app.get("/admin")
    def admin(caller: AdminDep) -> dict[str, str]:
        return {"tenant": caller.tenant}

    return app


@pytest.fixture
def keys(store: KeyStore) -> dict[str, str]:
    """One key per role, plus a revoked admin key, all of tenant acme."""
    made = {role: store.create("acme", role)[0] for role in ("agent", "bot", "admin")}
    revoked, record = store.create("acme", "admin")
    store.revoke(record.key_id)
    return {**made, "revoked": revoked}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YTpi"}, {"Authorization": "Bearer"}, {"Authorization": "cb_x"}],
)
def test_a_request_without_a_valid_bearer_key_is_401(
    store: KeyStore, keys: dict[str, str], headers: dict[str, str]
) -> None:
    client = TestClient(tiny_app(store))
    for path in ("/search", "/admin"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert response.json()["type"] == "unauthorized"


def test_an_unknown_or_revoked_key_is_401(store: KeyStore, keys: dict[str, str]) -> None:
    client = TestClient(tiny_app(store))
    unknown = keys["admin"][:-4] + "AAAA"
    for key in (keys["revoked"], unknown):
        response = client.get("/admin", headers=bearer(key))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_readers_may_read_but_not_write_or_manage(store: KeyStore, keys: dict[str, str]) -> None:
    client = TestClient(tiny_app(store))
    for role in ("agent", "bot"):
        assert client.get("/search", headers=bearer(keys[role])).json() == {"tenant": "acme"}
        for method, path, permission in (
            ("POST", "/documents", "write"),
            ("GET", "/admin", "manage"),
        ):
            response = client.request(method, path, headers=bearer(keys[role]))
            assert response.status_code == 403
            detail = f"role '{role}' may not {permission}"
            assert response.json() == {"detail": detail, "type": "forbidden"}


def test_admins_may_do_everything(store: KeyStore, keys: dict[str, str]) -> None:
    client = TestClient(tiny_app(store))
    headers = bearer(keys["admin"])
    assert client.get("/search", headers=headers).status_code == 200
    assert client.post("/documents", headers=headers).status_code == 200
    assert client.get("/admin", headers=headers).json() == {"tenant": "acme"}
    lowercase = {"Authorization": f"bearer {keys['admin']}"}
    assert client.get("/whoami", headers=lowercase).json() == {"tenant": "acme", "role": "admin"}


def test_health_needs_no_key(store: KeyStore, keys: dict[str, str]) -> None:
    assert TestClient(tiny_app(store)).get("/healthz").status_code == 200


def test_with_no_keys_the_service_is_open_as_the_default_admin(store: KeyStore) -> None:
    client = TestClient(tiny_app(store))
    assert client.get("/whoami").json() == {"tenant": "default", "role": "admin"}
    assert client.get("/admin").status_code == 200
    key, _ = store.create("acme", "agent")  # from the CLI, while the server runs
    assert client.get("/admin").status_code == 401
    assert client.get("/search", headers=bearer(key)).json() == {"tenant": "acme"}


def test_a_damaged_key_file_answers_503(store: KeyStore) -> None:
    store.path.parent.mkdir(parents=True)
    store.path.write_text("not json")
    response = TestClient(tiny_app(store)).get("/search")
    assert response.status_code == 503
    assert response.json()["type"] == "auth_unavailable"


def test_keys_stay_out_of_the_logs(
    store: KeyStore, keys: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(tiny_app(store))
    wrong = keys["admin"][:-4] + "AAAA"
    with caplog.at_level(logging.DEBUG):
        client.get("/admin", headers=bearer(keys["admin"]))
        client.get("/admin", headers=bearer(wrong))
        client.get("/admin", headers=bearer(keys["agent"]))
    for key in (keys["admin"], wrong, keys["agent"]):
        assert key not in caplog.text and key[16:] not in caplog.text


def test_past_the_burst_a_key_gets_429_with_retry_after(
    store: KeyStore, keys: dict[str, str]
) -> None:
    client = TestClient(tiny_app(store, RateLimiter(rate_per_minute=6, burst=2)))
    assert client.get("/search", headers=bearer(keys["agent"])).status_code == 200
    assert client.get("/search", headers=bearer(keys["agent"])).status_code == 200
    response = client.get("/search", headers=bearer(keys["agent"]))
    assert response.status_code == 429
    assert response.json()["type"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 10
    assert client.get("/search", headers=bearer(keys["bot"])).status_code == 200  # its own bucket


def test_the_rate_limiter_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(rate_per_minute=60, burst=3, clock=lambda: now[0])
    for _ in range(3):
        limiter.check("k")
    with pytest.raises(RateLimited) as raised:
        limiter.check("k")
    assert raised.value.retry_after == 1
    now[0] += 1.0
    limiter.check("k")
    with pytest.raises(RateLimited):
        limiter.check("k")
    now[0] += 100.0  # a long pause refills only up to the burst
    for _ in range(3):
        limiter.check("k")
    with pytest.raises(RateLimited):
        limiter.check("k")


def test_the_rate_limiter_is_safe_across_threads() -> None:
    limiter = RateLimiter(rate_per_minute=1, burst=50, clock=lambda: 0.0)
    allowed: list[int] = []

    def hammer() -> None:
        for _ in range(20):
            try:
                limiter.check("k")
                allowed.append(1)
            except RateLimited:
                pass

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 50


def test_requiring_an_unknown_permission_fails_when_the_app_is_built() -> None:
    with pytest.raises(ValueError, match="unknown permission"):
        require("delete-everything")
