"""API keys: one JSON file of hashed keys per data folder, each key bound to a tenant, a role and
an audience (agent: sees everything; customer: published knowledge only, see casebook.audience).

A key reads `cb_<key_id>_<secret>`. Only the secret's hash is stored, so the key is shown once,
when it is created. The file is rewritten atomically under a lock, and a running server rereads
it when it changes, so keys created or revoked from the CLI take effect without a restart.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from casebook.audience import default_audience, validate_audience
from casebook.errors import KeyFileError, KeyNotFound
from casebook.settings import Settings

Role = Literal["agent", "bot", "admin"]
Permission = Literal["read", "write", "manage"]

ROLES: tuple[str, ...] = ("agent", "bot", "admin")
# What each role may do: read = search and fetch; write = upload and delete; manage = keys, admin.
PERMISSIONS: dict[str, frozenset[str]] = {
    "agent": frozenset({"read"}),
    "bot": frozenset({"read"}),
    "admin": frozenset({"read", "write", "manage"}),
}
KEY_FILE = "keys.json"
FORMAT_VERSION = 1

_TENANT = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_KEY_ID = re.compile(r"[0-9a-f]{12}")
_MAX_KEY_LENGTH = 200  # real keys are 59 characters; longer input is rejected before hashing


@dataclass(frozen=True)
class Caller:
    """Who is asking: the key they used, its tenant, its role and whom its answers are for."""

    key_id: str
    tenant: str
    role: str
    audience: str = "agent"

    def can(self, permission: str) -> bool:
        """Whether this caller's role grants the permission (read, write or manage)."""
        return permission in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True)
class KeyRecord:
    """One stored key: everything but the key itself."""

    key_id: str
    tenant: str
    role: str
    created_at: str
    secret_sha256: str
    revoked_at: str | None = None
    audience: str | None = None  # None (keys made before audiences): the role's default

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def effective_audience(self) -> str:
        return self.audience or default_audience(self.role)

    def to_json(self) -> dict[str, Any]:
        """Not a field copy: `keys list --json` hides the hash and shows the derived audience."""
        return {
            "key_id": self.key_id,
            "tenant": self.tenant,
            "role": self.role,
            "audience": self.effective_audience,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.active,
        }


def validate_tenant(tenant: str) -> str:
    """The tenant name, or ValueError unless it is 1-64 characters of A-Z a-z 0-9 _ . -"""
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        raise ValueError(
            f"invalid tenant {tenant!r}: use 1-64 characters of letters, digits, '_', '.' or '-'"
        )
    return tenant


def validate_role(role: str) -> str:
    """The role, or ValueError unless it is agent, bot or admin."""
    if role not in ROLES:
        raise ValueError(f"invalid role {role!r}: expected one of {', '.join(ROLES)}")
    return role


def _hash(secret: str) -> str:
    # A plain SHA-256 is enough here: the secret is 256 random bits from the OS CSPRNG, so nobody
    # can guess it from its hash. Slow hashes (bcrypt, argon2) protect low-entropy passwords and
    # would only add their cost to every request.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_DUMMY_HASH = _hash("")  # compared against when the key id is unknown, so both paths do the same


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """The API keys in one JSON file; safe to share between the CLI and a running server."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(path.name + ".lock")
        self._guard = threading.Lock()
        self._seen: tuple[int, int, int] | None = None  # (inode, mtime_ns, size) last read
        self._records: dict[str, KeyRecord] = {}
        self._ever_held_keys = False

    @classmethod
    def for_settings(cls, settings: Settings) -> KeyStore:
        """The store in the settings' data folder."""
        return cls(settings.data_dir / KEY_FILE)

    def create(
        self, tenant: str, role: str, audience: str | None = None
    ) -> tuple[str, KeyRecord]:
        """A new key and its record; the key is returned here once and never stored.

        The audience defaults to the role's: customer for bot keys, agent for the others.
        """
        validate_tenant(tenant)
        validate_role(role)
        audience = validate_audience(audience or default_audience(role))
        with self._write() as records:
            key_id = secrets.token_hex(6)
            while key_id in records:
                key_id = secrets.token_hex(6)
            secret = secrets.token_urlsafe(32)
            record = KeyRecord(key_id, tenant, role, _now(), _hash(secret), audience=audience)
            records[key_id] = record
        return f"cb_{key_id}_{secret}", record

    def list(self) -> list[KeyRecord]:
        """Every key ever created, oldest first; revoked ones stay, flagged by revoked_at."""
        return sorted(self._current().values(), key=lambda r: (r.created_at, r.key_id))

    def revoke(self, key_id: str) -> KeyRecord:
        """Revoke a key (at once, also in a running server); revoking twice changes nothing."""
        with self._write() as records:
            record = records.get(key_id)
            if record is None:
                raise KeyNotFound(key_id)
            if record.active:
                record = records[key_id] = replace(record, revoked_at=_now())
        return record

    def verify(self, key: str) -> Caller | None:
        """The caller this key authenticates, or None for a malformed, unknown or revoked key."""
        parts = key.split("_", 2) if len(key) <= _MAX_KEY_LENGTH else []
        if len(parts) != 3 or parts[0] != "cb" or not _KEY_ID.fullmatch(parts[1]) or not parts[2]:
            return None
        key_id, secret = parts[1], parts[2]
        record = self._current().get(key_id)
        expected = record.secret_sha256 if record is not None else _DUMMY_HASH
        matches = hmac.compare_digest(_hash(secret).encode(), expected.encode())
        if record is None or not matches or not record.active:
            return None
        return Caller(record.key_id, record.tenant, record.role, record.effective_audience)

    def is_empty(self) -> bool:
        """True while no key has ever been created here: the service then runs open.

        Revoked keys count: revoking the last key locks the service rather than opening it, and
        a process that has seen keys stays locked even if the file disappears.
        """
        return not self._current() and not self._ever_held_keys

    def _current(self) -> dict[str, KeyRecord]:
        """The records, reread only when the file's inode, mtime or size changed (one stat)."""
        with self._guard:
            try:
                with self.path.open("rb") as file:
                    info = os.fstat(file.fileno())
                    signature = (info.st_ino, info.st_mtime_ns, info.st_size)
                    if signature != self._seen:
                        self._records = _parse(file.read(), self.path)
                        self._seen = signature
            except FileNotFoundError:
                self._records, self._seen = {}, None
            self._ever_held_keys = self._ever_held_keys or bool(self._records)
            return self._records

    @contextmanager
    def _write(self) -> Iterator[dict[str, KeyRecord]]:
        """Yield the records to change, under the lock file; then replace the file atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, across processes
            try:
                records = _parse(self.path.read_bytes(), self.path)
            except FileNotFoundError:
                records = {}
            yield records
            _write_atomically(self.path, _serialize(records))
        finally:
            os.close(lock)  # closing releases the flock


def _parse(raw: bytes, path: Path) -> dict[str, KeyRecord]:
    try:
        data = json.loads(raw)
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        records = [KeyRecord(**item) for item in data["keys"]]
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        # The message names the file and the problem, never the file's contents.
        raise KeyFileError(f"cannot read key file {path}: {type(exc).__name__}") from None
    return {r.key_id: r for r in records}


def _serialize(records: dict[str, KeyRecord]) -> bytes:
    ordered = sorted(records.values(), key=lambda r: (r.created_at, r.key_id))
    data = {"version": FORMAT_VERSION, "keys": [asdict(r) for r in ordered]}
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def _write_atomically(path: Path, content: bytes) -> None:
    """Write a sibling temp file (mode 0600, as mkstemp creates it) and rename it over path."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
