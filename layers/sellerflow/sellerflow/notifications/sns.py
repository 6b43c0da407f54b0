"""The alerts publisher port's adapter: publishes to the SNS topic (the one module that calls SNS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3

from sellerflow.alerts.model import AlertMessage
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
