"""The WhatsApp port against the Twilio stand-in over HTTP (the real twilio library), and the alert
topic -> WhatsApp queue (filter policy, raw delivery, dead-letter queue) against moto."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import AlertMessage, Channel
from sellerflow.errors import WhatsAppRecipientOptedOut, WhatsAppRecipientRejected, WhatsAppTemporaryFailure
from sellerflow.notifications.sns import AlertTopic
from sellerflow.notifications.whatsapp import TwilioCredentials, TwilioWhatsApp, parse_content_sids
from sellerflow_dev.simulator import SimServer, SimWorld

VARIABLES = {"1": "Amazon.com", "2": "2026-03-09"}


@pytest.fixture(scope="module")
def sim() -> Iterator[SimServer]:
    world = SimWorld.generate(sellers=1, seed=3)
    with SimServer(world) as server:
        yield server


class _Creds:
    def __init__(self, sim: SimServer, token: str | None = None) -> None:
        self._value = TwilioCredentials(
            account_sid=sim.twilio.account_sid,
            auth_token=SecretStr(token or sim.twilio.auth_token),
            from_number=sim.twilio.from_number,
        )

    def credentials(self) -> TwilioCredentials:
        return self._value


def _port(sim: SimServer, token: str | None = None) -> TwilioWhatsApp:
    sids = parse_content_sids(json.dumps(sim.twilio.content_sids))
    return TwilioWhatsApp(_Creds(sim, token), sids, base_url=sim.url, timeout_s=5)


def test_the_port_sends_an_approved_template_through_the_twilio_library(sim: SimServer) -> None:
    sim.twilio.configure(fail_next=0, unsubscribed=[])
    sent = _port(sim).send("+15550003001", AlertKind.DAILY_SALES, VARIABLES)
    record = next(m for m in sim.twilio.sent() if m["sid"] == sent.sid)
    assert sent.status == "queued"
    assert sent.sid.startswith("SM")
    assert record["to"] == "whatsapp:+15550003001"
    assert record["from"] == f"whatsapp:{sim.twilio.from_number}"
    assert record["content_sid"] == sim.twilio.content_sids["daily_sales"]
    assert record["content_variables"] == VARIABLES
    assert record["body"] is None


def test_twilio_errors_become_the_senders_typed_errors(sim: SimServer) -> None:
    port = _port(sim)
    sim.twilio.configure(unsubscribed=["+15550003002"])
    with pytest.raises(WhatsAppRecipientOptedOut) as opted_out:
        port.send("+15550003002", AlertKind.LOW_STOCK, VARIABLES)
    assert opted_out.value.code == 21610
    sim.twilio.configure(fail_next=1, fail_status=500)
    with pytest.raises(WhatsAppTemporaryFailure):
        port.send("+15550003001", AlertKind.LOW_STOCK, VARIABLES)
    with pytest.raises(WhatsAppTemporaryFailure):  # wrong credentials: retried, then the DLQ
        _port(sim, token="0" * 32).send("+15550003001", AlertKind.LOW_STOCK, VARIABLES)
    with pytest.raises(WhatsAppRecipientRejected):
        port.send("+1555", AlertKind.LOW_STOCK, VARIABLES)  # not E.164: Twilio 21211


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


def _message(channels: tuple[Channel, ...]) -> AlertMessage:
    return AlertMessage.model_validate(
        {
            "alert_id": "al_1", "seller_id": "S1", "kind": "sync_failing", "scope": "seller", "period": "2026-03-10",
            "channels": channels,
            "content": {"kind": "sync_failing", "consecutive_failures": 3, "last_run_on": None},
        }
    )  # fmt: skip


def test_published_alerts_reach_the_whatsapp_queue_raw_only_when_whatsapp_is_a_channel(aws: Any) -> None:
    sns, sqs = aws.client("sns"), aws.client("sqs")
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="whatsapp",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})},
    )["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true", "FilterPolicy": json.dumps({"channels": ["whatsapp"]})},
    )  # fmt: skip
    publisher = AlertTopic(topic, client=sns)
    publisher.publish(_message((Channel.SNS,)))
    publisher.publish(_message((Channel.SNS, Channel.WHATSAPP)))
    received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, MessageAttributeNames=["All"])[
        "Messages"
    ]
    assert len(received) == 1  # the SNS-only alert was filtered out
    body = AlertMessage.model_validate_json(received[0]["Body"])  # raw: the alert itself, no SNS envelope
    assert body.kind is AlertKind.SYNC_FAILING
    assert received[0]["MessageAttributes"]["seller_id"]["StringValue"] == "S1"
    assert received[0]["MessageAttributes"]["kind"]["StringValue"] == "sync_failing"
    # A message that keeps failing (never deleted) moves to the DLQ after maxReceiveCount receives
    for _ in range(2):
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=received[0]["ReceiptHandle"], VisibilityTimeout=0
        )
        again = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if again:
            received = again
    assert sqs.receive_message(QueueUrl=queue).get("Messages", []) == []
    assert len(sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]) == 1
