"""Advertising metrics, the gzip JSON parser, the port's 425/429 handling, and the ground truth's
invariant (attributed sales never exceed the day's total sales)."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.ads.client import AdsClient
from sellerflow.amazon.ads import SpCampaignsRequest
from sellerflow.analytics.ads import acos, cpc, ctr, roas, tacos
from sellerflow.errors import AdsThrottled
from sellerflow.facts import RowError
from sellerflow.reports.ads_campaigns import parse_sp_campaigns
from sellerflow.reports.errors import DocumentCorrupt
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow_dev.simulator import SimWorld

ROW = {
    "date": "2026-11-01",
    "campaignId": 123456789012345,
    "campaignName": "SP - Auto - X",
    "impressions": 1000,
    "clicks": 20,
    "cost": 12.34,
    "purchases7d": 2,
    "purchases14d": 3,
    "sales7d": 40.5,
    "sales14d": 55.25,
}


def test_metrics_are_decimal_ratios_and_none_without_a_denominator() -> None:
    assert acos(Decimal("12.34"), Decimal("55.25")) == Decimal("0.2233")
    assert tacos(Decimal("12.34"), Decimal("200")) == Decimal("0.0617")
    assert roas(Decimal("55.25"), Decimal("12.34")) == Decimal("4.4773")
    assert cpc(Decimal("12.34"), 20) == Decimal("0.6170")
    assert ctr(20, 1000) == Decimal("0.0200")
    assert acos(Decimal(5), Decimal(0)) is None
    assert tacos(Decimal(5), Decimal(0)) is None
    assert roas(Decimal(0), Decimal(0)) is None
    assert cpc(Decimal(0), 0) is None
    assert ctr(0, 0) is None


def _parse(data: bytes, chunk: int = 7) -> tuple[list[Any], list[RowError]]:
    errors: list[RowError] = []
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    facts = list(
        parse_sp_campaigns(
            chunks, seller_id="A1SELLER0001", marketplace_id="ATVPDKIKX0DER", profile_id="1", currency="USD",
            errors=errors,
        )
    )  # fmt: skip
    return facts, errors


def test_the_parser_streams_rows_with_exact_decimals_and_records_bad_rows_without_values() -> None:
    rows = [ROW, {**ROW, "cost": "lots"}, {**ROW, "date": None}, "not-an-object", {**ROW, "campaignId": 9}]
    facts, errors = _parse(gzip.compress(json.dumps(rows).encode()))
    assert [f.cost for f in facts] == [Decimal("12.34"), Decimal("12.34")]
    assert facts[0].sales_14d == Decimal("55.25")
    assert [(e.line, e.column) for e in errors] == [(2, "cost"), (3, "date"), (4, None)]
    assert all("lots" not in e.reason for e in errors)


@pytest.mark.parametrize(
    "data",
    [gzip.compress(b'[{"date": "2026-11-01"'), gzip.compress(b"{}"), b"not gzip"],
    ids=["truncated-json", "not-a-list", "not-gzip"],  # stable ids: gzip bytes carry the time
)
def test_a_broken_file_is_corrupt_not_silently_short(data: bytes) -> None:
    with pytest.raises(DocumentCorrupt):
        _parse(data)


def test_truncated_gzip_is_corrupt() -> None:
    data = gzip.compress(json.dumps([ROW] * 50).encode())
    with pytest.raises(DocumentCorrupt):
        _parse(data[: len(data) // 2])


class _App:
    def app_credentials(self) -> AppCredentials:
        return AppCredentials(client_id="amzn1.application-oa2-client.x", client_secret=SecretStr("s"))


class _Vault:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def ads_refresh_token(self, seller_id: str, region: str = "NA") -> SecretStr:
        self.asked.append(region)
        return SecretStr(f"Atzr|ads-{region}")


def _client(handler: Any, sleeps: list[float]) -> AdsClient:
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return AdsClient(
        endpoint="https://ads.example",
        client_id="amzn1.application-oa2-client.x",
        lwa=LwaClient("https://lwa.example/token", _App(), http),
        refresh_tokens=_Vault(),
        http=http,
        sleep=sleeps.append,
    )


def _lwa_or(handler: Any) -> Any:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.example":
            return httpx.Response(200, json={"access_token": "Atza|a", "expires_in": 3600})
        return handler(request)

    return route


REQUEST = SpCampaignsRequest(name="n", start=datetime(2026, 11, 1).date(), end=datetime(2026, 11, 2).date())


def test_a_425_duplicate_reuses_the_pending_report_id() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Amazon-Advertising-API-Scope"] == "42"
        assert request.headers["Content-Type"] == "application/vnd.createasyncreportrequest.v3+json"
        return httpx.Response(425, json={"code": "425", "detail": "The Request is a duplicate of : abc-123"})

    client = _client(_lwa_or(handler), [])
    assert client.create_report("A1SELLER0001", "42", REQUEST) == ("abc-123", True)


def test_a_short_retry_after_is_waited_in_call_and_a_long_one_is_raised_for_step_functions() -> None:
    answers = iter(
        [httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(200, json={"reportId": "r1"})]
    )
    sleeps: list[float] = []
    client = _client(_lwa_or(lambda request: next(answers)), sleeps)
    assert client.create_report("A1SELLER0001", "42", REQUEST) == ("r1", False)
    assert sleeps == [1.0]
    slow = _client(_lwa_or(lambda request: httpx.Response(429, headers={"Retry-After": "30"})), [])
    with pytest.raises(AdsThrottled) as raised:
        slow.create_report("A1SELLER0001", "42", REQUEST)
    assert raised.value.retry_after_s == 30


def test_attributed_sales_never_exceed_the_days_total_sales() -> None:
    world = SimWorld.generate(sellers=3, seed=5, now=datetime(2026, 11, 20, 12, tzinfo=UTC))
    today = world.now.date()
    for seller in world.sellers:
        truth = world.expected_ad_rollups(seller.seller_id, today - timedelta(days=60), today)
        assert truth
        for values in truth.values():
            assert values["ad_sales_7d"] <= values["ad_sales"] <= values["total_sales"]
        assert any(values["ad_sales"] > 0 for values in truth.values())
