"""Tenant-scoped DynamoDB credentials: a seller's items are read and written as that seller.

While the process acts for a seller (`sellerflow.tenancy`), every call of a seller-scoped model goes
out with credentials of the tenant data role (template.yaml `TenantDataRole`), assumed for that seller
with the session tag `seller_id`. The role allows item actions only where every partition key
(`dynamodb:LeadingKeys`) equals the tag, so a call for another seller's key is refused by IAM, not
only by the code that built it. Credentials are cached per seller until shortly before they expire.

Who acts for a seller: the API once access is granted, and every workflow task that serves one seller
(the seller sync's tasks, export, erasure, each notification's and each WhatsApp alert's seller).

Not scoped (they run with the function's own role): the GSIs keyed by something else than the seller
(`CONTROL_INDEXES`), models marked `tenant_scoped = False` (connect-flow nonces, the app-wide quota,
buyer PII), and every call made while acting for no seller: membership lookups before access is
granted, and the cross-seller functions, which legitimately act for none — the due-sellers fan-out
(list_due_sellers; start_seller_sync touches no item), the expiry sweeper (every seller's expired
items in one pass), the access-review reminder (every seller's owners) and Twilio's webhooks (an
opt-out is per phone number, across sellers). template.yaml gives only the functions that act for a
seller the tenant role (tests/unit/test_template.py `CROSS_SELLER_FUNCTIONS` names the others).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import Any

import botocore.config
import botocore.session
from pynamodb.connection import Connection

from sellerflow.tenancy import acting_seller

SELLER_TAG = "seller_id"
# Indexes whose partition key is not a seller (a member's sub, the constant of the due-sellers index).
CONTROL_INDEXES = frozenset({"by_member", "active_sellers"})
SESSION_SECONDS = 3600
RENEW_BEFORE_EXPIRY = timedelta(minutes=5)
MAX_CACHED_SELLERS = 256

# Called with each new tenant client and its seller (the local runtime checks the role's policy there).
ClientHook = Callable[[Any, str], None]
_CLIENT_HOOKS: list[ClientHook] = []


def on_tenant_client(hook: ClientHook) -> None:
    """Run `hook(client, seller_id)` on every tenant client built from now on."""
    _CLIENT_HOOKS.append(hook)


def clear_tenant_client_hooks() -> None:
    _CLIENT_HOOKS.clear()


@dataclass(frozen=True)
class _SellerClient:
    client: Any
    expires_at: datetime


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TenantSessions:
    """DynamoDB clients bound to one seller's credentials, one per seller, renewed before expiry."""

    def __init__(
        self,
        role_arn: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        sts: Any = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.role_arn = role_arn
        self.region = region
        self.endpoint_url = endpoint_url
        self._sts = sts
        self._clock = clock
        self._clients: OrderedDict[str, _SellerClient] = OrderedDict()
        self._lock = Lock()
        self.assumed = 0  # how many times a role was assumed (the cache's hit rate, for tests)

    def client(self, seller_id: str) -> Any:
        with self._lock:
            cached = self._clients.get(seller_id)
            if cached is not None and self._clock() < cached.expires_at - RENEW_BEFORE_EXPIRY:
                self._clients.move_to_end(seller_id)
                return cached.client
        fresh = self._assume(seller_id)
        with self._lock:
            self._clients[seller_id] = fresh
            self._clients.move_to_end(seller_id)
            while len(self._clients) > MAX_CACHED_SELLERS:
                self._clients.popitem(last=False)
        return fresh.client

    def _assume(self, seller_id: str) -> _SellerClient:
        if self._sts is None:
            import boto3  # here: a cold start loads boto3 only where it is used

            self._sts = boto3.client("sts", region_name=self.region, endpoint_url=self.endpoint_url)
        credentials = self._sts.assume_role(
            RoleArn=self.role_arn,
            RoleSessionName=f"seller-{seller_id}"[:64],
            DurationSeconds=SESSION_SECONDS,
            Tags=[{"Key": SELLER_TAG, "Value": seller_id}],
        )["Credentials"]
        self.assumed += 1
        client = botocore.session.get_session().create_client(
            "dynamodb",
            region_name=self.region,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=botocore.config.Config(
                parameter_validation=False, retries={"total_max_attempts": 4, "mode": "standard"}
            ),
        )
        for hook in _CLIENT_HOOKS:
            hook(client, seller_id)
        expiration = credentials["Expiration"]
        if isinstance(expiration, str):
            expiration = datetime.fromisoformat(expiration.replace("Z", "+00:00"))
        return _SellerClient(client=client, expires_at=expiration.astimezone(UTC))


_SESSIONS: list[TenantSessions] = []


def use_tenant_sessions(sessions: TenantSessions | None) -> None:
    """Make seller-scoped calls through `sessions` (None: with the function's own credentials)."""
    _SESSIONS[:] = [sessions] if sessions is not None else []


def tenant_sessions() -> TenantSessions | None:
    return _SESSIONS[0] if _SESSIONS else None


def configure_tenant_role(role_arn: str, *, region: str, endpoint_url: str | None) -> None:
    """Use the tenant data role `role_arn` (keeping the cache when it is the one already in use)."""
    current = tenant_sessions()
    if not role_arn:
        use_tenant_sessions(None)
    elif current is None or (current.role_arn, current.region, current.endpoint_url) != (
        role_arn,
        region,
        endpoint_url,
    ):
        use_tenant_sessions(TenantSessions(role_arn, region=region, endpoint_url=endpoint_url))


def _tenant_client(operation_kwargs: dict[str, Any]) -> Any:
    seller_id = acting_seller()
    sessions = tenant_sessions()
    if seller_id is None or sessions is None or operation_kwargs.get("IndexName") in CONTROL_INDEXES:
        return None
    return sessions.client(seller_id)


def acting_seller_client() -> Any | None:
    """The low-level DynamoDB client of the seller the process acts for (for stores that bypass
    PynamoDB); None while acting for no seller or without a tenant role (then: the function's own)."""
    return _tenant_client({})


_ROUTED: ContextVar[Any] = ContextVar("sellerflow_tenant_client", default=None)


class TenantConnection(Connection):
    """A PynamoDB connection whose calls, while the process acts for a seller, use that seller's client."""

    def _make_api_call(self, operation_name: str, operation_kwargs: dict[str, Any]) -> dict[str, Any]:
        tenant = _tenant_client(operation_kwargs)
        if tenant is None:
            return super()._make_api_call(operation_name, operation_kwargs)
        token = _ROUTED.set(tenant)
        try:
            return super()._make_api_call(operation_name, operation_kwargs)
        finally:
            _ROUTED.reset(token)

    @property
    def client(self) -> Any:
        routed = _ROUTED.get()
        return routed if routed is not None else super().client
