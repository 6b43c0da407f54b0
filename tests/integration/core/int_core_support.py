"""Fixtures of the core integration tests: real stores in moto, the real SP-API port against the
simulator over real HTTP on 127.0.0.1.

Tables come from template.yaml (so the tests and the deployment cannot drift); the simulator's
world is generated a few minutes in the past, so every ground-truth order lies before the
two-minute settle delay searchOrders insists on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws
from pydantic import SecretStr

from sellerflow.settings import Settings
from sellerflow.spapi.client import SpApiClient
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.store.tables import bind_tables
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template
from sellerflow_dev.simulator import SimConfig, SimServer, SimWorld

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
WORLD_SEED = 11
# The world's clock stands this far behind the wall clock: every order is older than the settle delay.
WORLD_LAG = timedelta(minutes=5)
# Reaches back past the world's 30 days of history, whatever the wall clock did meanwhile.
ALL_HISTORY = timedelta(days=31)
ACCESS_TOKEN_PREFIX = "Atza|"
REFRESH_TOKEN_PREFIX = "Atzr|"


# --- fakes that stand in for what is not under test ------------------------------------------------
@dataclass
class StaticAppCredentials:
    """The app's LWA client credentials (Secrets Manager in production)."""

    client_id: str
    client_secret: str

    def app_credentials(self) -> AppCredentials:
        return AppCredentials(client_id=self.client_id, client_secret=SecretStr(self.client_secret))


@dataclass
class CountingRefreshTokens:
    """A refresh-token source over the world's grants that counts how often it is asked."""

    world: SimWorld
    calls: list[str] = field(default_factory=list)

    def refresh_token(self, seller_id: str) -> SecretStr:
        self.calls.append(seller_id)
        return SecretStr(self.world.seller(seller_id).refresh_token)


@dataclass
class RecordingSleep:
    """Records every requested wait and really sleeps, but never longer than 50 ms."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(min(seconds, 0.05))


@dataclass
class RequestLog:
    """An httpx request hook: every URL the port asked for (secrets travel in headers, not here)."""

    urls: list[httpx.URL] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: httpx.Request) -> None:
        with self._lock:
            self.urls.append(request.url)


# --- AWS (moto) -----------------------------------------------------------------------------------
@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    # Under mock_aws PynamoDB must talk to "AWS" (host None), not to a local endpoint.
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def aws(aws_env: None) -> Iterator[Any]:
    """moto with every DynamoDB table of template.yaml; the PynamoDB models bound to them.

    Yields a boto3 DynamoDB client for reading raw items."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_dynamodb_tables(load_template(ROOT / "template.yaml"), dynamodb)
        bind_tables(
            Settings(
                seller_data_table="SellerDataTable",
                sellers_table="SellersTable",
                audit_table="AuditTable",
            )
        )
        yield dynamodb


@pytest.fixture
def kms_key_arn(aws: Any) -> str:
    key = boto3.client("kms", region_name=REGION).create_key(Description="sellerflow data key (test)")
    arn: str = key["KeyMetadata"]["Arn"]
    return arn


def raw_items(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Every item of a table exactly as DynamoDB holds it (no PynamoDB in between)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = dynamodb.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# --- the simulator --------------------------------------------------------------------------------
@pytest.fixture
def world() -> SimWorld:
    return SimWorld.generate(sellers=2, seed=WORLD_SEED, now=datetime.now(UTC) - WORLD_LAG)


SimFactory = Callable[..., SimServer]


@pytest.fixture
def start_sim(world: SimWorld) -> Iterator[SimFactory]:
    """Start a simulator over `world` with the given config fields (stopped after the test)."""
    servers: list[SimServer] = []

    def start(**config: Any) -> SimServer:
        server = SimServer(world, config=SimConfig(**config), host="127.0.0.1", port=0)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def sim(start_sim: SimFactory) -> SimServer:
    """A well-behaved simulator whose rates allow a whole test's calls."""
    return start_sim(rate_scale=1000)


@dataclass
class Port:
    """The SP-API port under test and the instruments around it."""

    client: SpApiClient
    refresh_tokens: Any
    sleep: RecordingSleep
    requests: RequestLog


@pytest.fixture
def make_port(world: SimWorld) -> Iterator[Callable[..., Port]]:
    """Build the real SpApiClient against a running simulator (one httpx.Client per port)."""
    clients: list[httpx.Client] = []

    def make(
        server: SimServer,
        *,
        refresh_tokens: Any = None,
        lwa_clock: Callable[[], float] = time.monotonic,
        http_timeout_s: float = 10,
        **client_kwargs: Any,
    ) -> Port:
        requests = RequestLog()
        http = httpx.Client(timeout=http_timeout_s, event_hooks={"request": [requests]})
        clients.append(http)
        source = refresh_tokens if refresh_tokens is not None else CountingRefreshTokens(world)
        sleep = RecordingSleep()
        lwa = LwaClient(
            server.lwa_endpoint,
            StaticAppCredentials(world.client_id, world.client_secret),
            http,
            monotonic=lwa_clock,
        )
        client = SpApiClient(
            endpoint=server.api_endpoint,
            lwa=lwa,
            refresh_tokens=source,
            http=http,
            sleep=sleep,
            **client_kwargs,
        )
        return Port(client=client, refresh_tokens=source, sleep=sleep, requests=requests)

    yield make
    for http in clients:
        http.close()
