"""Delivery claims in DynamoDB (moto): one sender at a time per (alert, number), and a claim left
behind by a sender that died is taken over by the retry instead of blocking the message forever."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from sellerflow.alerts.model import DeliveryStatus
from sellerflow.settings import Settings
from sellerflow.store.alerts import STALE_DELIVERY_CLAIM, AlertStore
from sellerflow.store.tables import bind_tables
from sellerflow_dev.local.provision import create_dynamodb_tables
from sellerflow_dev.local.template import load_template

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
SELLER, ALERT, PHONE = "A1CLAIMSELLER", "daily_sales-ATVPDKIKX0DER-2026-11-22", "+15550100001"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> Iterator[AlertStore]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        create_dynamodb_tables(
            load_template(ROOT / "template.yaml"), boto3.client("dynamodb", region_name=REGION)
        )
        bind_tables(
            Settings(
                aws_region=REGION,
                seller_data_table="SellerDataTable",
                sellers_table="SellersTable",
                audit_table="AuditTable",
            )
        )
        yield AlertStore()


def test_a_claim_in_flight_blocks_a_second_sender(store: AlertStore) -> None:
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=T0)
    assert not store.claim_delivery(SELLER, ALERT, PHONE, now=T0 + timedelta(seconds=5))


def test_a_sent_message_is_never_claimed_again_however_late(store: AlertStore) -> None:
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=T0)
    store.record_delivery(SELLER, ALERT, PHONE, DeliveryStatus.SENT, message_sid="SM1", now=T0)
    assert not store.claim_delivery(SELLER, ALERT, PHONE, now=T0 + timedelta(days=1))


def test_a_failed_attempt_is_claimed_by_the_retry(store: AlertStore) -> None:
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=T0)
    store.record_delivery(SELLER, ALERT, PHONE, DeliveryStatus.FAILED, now=T0)
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=T0 + timedelta(seconds=1))


def test_a_claim_whose_sender_died_is_taken_over_once_it_is_stale(store: AlertStore) -> None:
    # Given a sender that claimed the message and died before recording anything
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=T0)
    # When the SQS retry comes before the claim is stale, it still waits
    assert not store.claim_delivery(SELLER, ALERT, PHONE, now=T0 + STALE_DELIVERY_CLAIM / 2)
    # Then once the claim is stale the retry takes it over, and only one retry does
    later = T0 + STALE_DELIVERY_CLAIM + timedelta(seconds=1)
    assert store.claim_delivery(SELLER, ALERT, PHONE, now=later)
    assert not store.claim_delivery(SELLER, ALERT, PHONE, now=later)
    delivery = store.delivery(SELLER, ALERT, PHONE)
    assert delivery is not None
    assert delivery.status is DeliveryStatus.SENDING
    assert delivery.updated_at == later
