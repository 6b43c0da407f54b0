"""The alerts publisher port's adapter: publishes to the SNS topic (the one module that calls SNS)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sellerflow.alerts.model import AlertMessage
from sellerflow.billing.model import BillingNotice
from sellerflow.errors import ConfigurationError
from sellerflow.settings import Settings
from sellerflow.subprocessors import SubprocessorUse

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


def _alerts_topic_configured(settings: Settings) -> bool:
    return bool(settings.alerts_topic_arn)


SENDS = SubprocessorUse(
    role="notifications",
    provider="Amazon Web Services",
    service="Amazon SNS (the deployment's alerts topic and the e-mail or SMS subscriptions on it)",
    purpose="fans out alerts to the deployment's subscribers and to the WhatsApp queue",
    receives=("the alert's id, seller id, kind and content (figures, SKU or ASIN); never buyer data",),
    in_use=_alerts_topic_configured,
)


class AlertTopic:
    """Publishes one alert message; the seller id and the kind ride along as message attributes
    (`seller_id`, `kind`), the channels as a String.Array (`channels`) that subscriptions filter on."""

    def __init__(self, topic_arn: str, client: SNSClient | None = None) -> None:
        if not topic_arn:
            raise ConfigurationError("ALERTS_TOPIC_ARN is not set: alerts have nowhere to go")
        self._topic_arn = topic_arn
        self._client = client

    def _sns(self) -> SNSClient:
        if self._client is None:
            import boto3  # here: a cold start loads boto3 only where it is used

            self._client = boto3.client("sns")
        return self._client

    def publish(self, message: AlertMessage) -> str:
        response = self._sns().publish(
            TopicArn=self._topic_arn,
            Message=message.model_dump_json(),
            MessageAttributes={
                "seller_id": {"DataType": "String", "StringValue": message.seller_id},
                "kind": {"DataType": "String", "StringValue": message.kind.value},
                "channels": {
                    "DataType": "String.Array",
                    "StringValue": "[" + ",".join(f'"{c.value}"' for c in message.channels) + "]",
                },
            },
        )
        return str(response["MessageId"])

    def publish_notice(
        self, *, subject: str, message: str, attributes: dict[str, str], channels: tuple[str, ...]
    ) -> str:
        """A notice that is not an alert (e.g. the access review's reminder), filtered like one."""
        response = self._sns().publish(
            TopicArn=self._topic_arn,
            Subject=subject,
            Message=message,
            MessageAttributes={
                **{name: {"DataType": "String", "StringValue": value} for name, value in attributes.items()},
                "channels": {
                    "DataType": "String.Array",
                    "StringValue": "[" + ",".join(f'"{c}"' for c in channels) + "]",
                },
            },
        )
        return str(response["MessageId"])


class AccessReviewReminders:
    """The access review's reminder on the alerts topic: kind `access_review_due`, channel `email`
    (so the WhatsApp subscription, filtered on `channels: whatsapp`, never receives it), and the
    owner's own address as the `recipient` attribute an email subscription can filter on."""

    def __init__(self, topic: AlertTopic) -> None:
        self._topic = topic

    def remind(self, seller_id: str, owner_email: str, due_at: datetime) -> None:
        body = {
            "kind": "access_review_due",
            "seller_id": seller_id,
            "due_at": due_at.isoformat(),
            "what": "Review who has access to this seller: GET/POST /sellers/{seller_id}/access-review",
        }
        self._topic.publish_notice(
            subject="Sellerflow: your quarterly access review is due",
            message=json.dumps(body),
            attributes={"seller_id": seller_id, "kind": "access_review_due", "recipient": owner_email},
            channels=("email",),
        )


class BillingNotices:
    """Billing notices to the owners on the alerts topic (kind `billing_<notice>`, channel `email`):
    payment failed, trial ending, cancelled, recovered. The plan and a sentence; no business figures."""

    def __init__(self, topic: AlertTopic) -> None:
        self._topic = topic

    def notify(self, notice: BillingNotice) -> None:
        body = {"kind": f"billing_{notice.kind.value}", "seller_id": notice.seller_id, "plan": notice.plan_id,
                "what": notice.message}  # fmt: skip
        self._topic.publish_notice(
            subject=f"Sellerflow billing: {notice.kind.value.replace('_', ' ')}",
            message=json.dumps(body),
            attributes={"seller_id": notice.seller_id, "kind": f"billing_{notice.kind.value}"},
            channels=("email",),
        )
