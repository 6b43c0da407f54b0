"""Fakes of the privacy unit tests: in-memory partitions and objects, workflows that record starts,
and a signing key with Cognito-shaped ID tokens (no AWS, no network)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from sellerflow.domain import Membership, Role
from sellerflow.store.privacy import ExecutionState

REGION = "eu-west-1"
POOL_ID = f"{REGION}_PrivPool1"
CLIENT_ID = "privtestclient123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
KID = "priv-key-1"
SELLER = "A1PRIVUNIT01"
OTHER = "A2PRIVUNIT02"
OWNER_SUB = "aaaaaaaa-0000-4000-8000-000000000001"
ANALYST_SUB = "aaaaaaaa-0000-4000-8000-000000000002"
STRANGER_SUB = "aaaaaaaa-0000-4000-8000-000000000003"


class FakePartitions:
    """Tables as {kind: {(seller_id, sk): item}}, with the real store's batch semantics."""

    def __init__(self, kinds: Sequence[str] = ("seller_data", "pii", "sellers", "audit")) -> None:
        self.tables: dict[str, dict[tuple[str, str], dict[str, Any]]] = {k: {} for k in kinds}
        self.kinds = tuple(kinds)
        self.fail_after: int | None = None
        self.batches = 0

    def add(self, kind: str, seller_id: str, sk: str, **attrs: Any) -> None:
        self.tables[kind][(seller_id, sk)] = {"seller_id": seller_id, "sk": sk, **attrs}

    def fill(self, kind: str, seller_id: str, prefix: str, n: int) -> None:
        for i in range(n):
            self.add(kind, seller_id, f"{prefix}{i:05d}")

    def _keys(self, kind: str, seller_id: str) -> list[tuple[str, str]]:
        return sorted(k for k in self.tables[kind] if k[0] == seller_id)

    def items(self, kind: str, seller_id: str) -> Iterable[dict[str, Any]]:
        for key in self._keys(kind, seller_id):
            yield dict(self.tables[kind][key])

    def count(self, kind: str, seller_id: str) -> int:
        return len(self._keys(kind, seller_id))

    def get(self, kind: str, seller_id: str, sk: str) -> dict[str, Any] | None:
        found = self.tables[kind].get((seller_id, sk))
        return None if found is None else dict(found)

    def delete_batch(self, kind: str, seller_id: str, limit: int) -> int:
        if self.fail_after is not None and self.batches >= self.fail_after:
            raise RuntimeError("Lambda timed out")
        self.batches += 1
        keys = self._keys(kind, seller_id)[:limit]
        for key in keys:
            del self.tables[kind][key]
        return len(keys)

    def with_attribute(
        self, kind: str, seller_id: str, prefix: str, name: str, value: str
    ) -> list[dict[str, Any]]:
        return [i for i in self.under_prefix(kind, seller_id, prefix) if i.get(name) == value]

    def under_prefix(self, kind: str, seller_id: str, prefix: str) -> list[dict[str, Any]]:
        return [i for i in self.items(kind, seller_id) if str(i["sk"]).startswith(prefix)]

    def delete(self, kind: str, seller_id: str, sort_keys: Sequence[str]) -> int:
        for sk in sort_keys:
            self.tables[kind].pop((seller_id, sk), None)
        return len(sort_keys)


class FakeObjects:
    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.uploaded: dict[str, bytes] = {}
        self.presigned: list[tuple[str, int]] = []

    def delete_batch(self, prefix: str, limit: int = 1000) -> int:
        doomed = sorted(k for k in self.keys if k.startswith(prefix))[:limit]
        self.keys -= set(doomed)
        return len(doomed)

    def count(self, prefix: str) -> int:
        return sum(1 for k in self.keys if k.startswith(prefix))

    def upload(self, key: str, body: IO[bytes], *, content_type: str = "application/zip") -> None:
        self.uploaded[key] = body.read()
        self.keys.add(key)

    def exists(self, key: str) -> bool:
        return key in self.keys

    def presigned_get(self, key: str, *, expires_in: int) -> str:
        self.presigned.append((key, expires_in))
        return f"https://bucket.s3.amazonaws.com/{key}?X-Amz-Expires={expires_in}"


@dataclass
class FakeAudit:
    entries: list[tuple[str, str, str, str]] = field(default_factory=list)

    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> Any:
        self.entries.append((seller_id, actor_sub, action, resource))

        @dataclass
        class Entry:
            at: datetime

        return Entry(at=datetime(2026, 5, 1, tzinfo=UTC))


@dataclass
class FakeWorkflows:
    started: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def start(self, state_machine_arn: str, *, name: str, payload: Mapping[str, Any]) -> str:
        self.started.append((state_machine_arn, name, dict(payload)))
        self.statuses.setdefault(name, "RUNNING")
        return f"{state_machine_arn}:{name}"

    def describe(self, state_machine_arn: str, name: str) -> ExecutionState | None:
        for arn, started, payload in self.started:
            if arn == state_machine_arn and started == name:
                return ExecutionState(status=self.statuses[name], input=payload)
        return None


@dataclass
class FakeMembers:
    roles: dict[tuple[str, str], Role] = field(default_factory=dict)

    def membership(self, seller_id: str, user_sub: str) -> Membership | None:
        role = self.roles.get((seller_id, user_sub))
        return None if role is None else Membership(seller_id=seller_id, user_sub=user_sub, role=role)

    def memberships_of(self, user_sub: str) -> list[Membership]:
        return [
            Membership(seller_id=s, user_sub=u, role=r) for (s, u), r in self.roles.items() if u == user_sub
        ]

    def profiles(self, seller_ids: Iterable[str]) -> list[Any]:
        return []


@dataclass
class FakeDirty:
    marked: list[tuple[str, set[tuple[str, date]], str]] = field(default_factory=list)

    def mark_each(self, seller_id: str, days: Iterable[tuple[str, date]], *, reason: str = "orders") -> int:
        found = set(days)
        self.marked.append((seller_id, found, reason))
        return len(found)


def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwks(key: rsa.RSAPrivateKey) -> dict[str, Any]:
    public = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}


def id_token(key: rsa.RSAPrivateKey, sub: str) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
