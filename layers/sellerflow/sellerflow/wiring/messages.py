"""Buyer messages' collaborators: the inbound service (stores bound to the deployment's tables, the
PII key's vault), the raw-mail bucket, and (in the PII app) the drafting and sending services."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sellerflow.messages.service import InboundService
from sellerflow.settings import Settings
from sellerflow.store.labels import LabelDataStore
from sellerflow.store.messages import InboundMailObjects, MessageSettingsStore, MessageVault, ThreadStore
from sellerflow.store.orders import OrderStore
from sellerflow.tenancy import acting_for
from sellerflow.wiring import history_archive, per_settings

if TYPE_CHECKING:
    from sellerflow.messages.replies import ReplyService
    from sellerflow.messages.ses import SesIdentities


def _inbound(settings: Settings) -> InboundService:
    return InboundService(
        inbound_domain=settings.messages_inbound_domain,
        tokens=MessageSettingsStore(),
        # an order past the hot window is in the history archive (a question about an old order)
        orders=OrderStore(history=history_archive(settings)),
        shipments=LabelDataStore(),
        threads=ThreadStore(),
        messages=MessageVault(settings.pii_key_id),
        acting_for=acting_for,
    )


inbound_service = per_settings(_inbound)
inbound_mail = per_settings(lambda settings: InboundMailObjects(settings.inbound_mail_bucket))


class LabelQueueValues:
    """What the label queue holds of an order's buyer (only there when a label was persisted)."""

    def __init__(self, pii_key_id: str) -> None:
        self._key = pii_key_id

    def values(self, seller_id: str, order_id: str) -> list[str]:
        from sellerflow.pii.models import Purpose
        from sellerflow.store.pii import BuyerPiiStore

        stored = BuyerPiiStore(self._key).get(seller_id, order_id, Purpose.SHIPPING_LABEL.value)
        if stored is None:
            return []
        label = stored.label
        fields = (label.name, label.address_line1, label.address_line2, label.address_line3, label.city)
        return [v for v in (*fields, label.postal_code, label.phone) if v]


def _replies(settings: Settings) -> ReplyService:
    import boto3

    from sellerflow.messages.drafting import BedrockDrafter, Drafter, TemplateDrafter
    from sellerflow.messages.redaction import ComprehendDetector, PiiDetector, Redactor
    from sellerflow.messages.replies import ReplyService
    from sellerflow.messages.ses import SesMailer
    from sellerflow.store.audit import AuditLog

    drafter: Drafter = TemplateDrafter()
    if settings.messages_drafter == "bedrock":
        endpoint = settings.bedrock_endpoint_url or None
        drafter = BedrockDrafter(
            boto3.client("bedrock-runtime", endpoint_url=endpoint), settings.bedrock_model_id
        )
    detectors: list[PiiDetector] = []
    if settings.pii_detector == "comprehend":
        detectors.append(ComprehendDetector(boto3.client("comprehend")))
    vault = MessageVault(settings.pii_key_id)
    return ReplyService(
        threads=ThreadStore(),
        vault=vault,
        instructions=MessageSettingsStore(),
        drafter=drafter,
        redactor=Redactor(detectors),
        known=LabelQueueValues(settings.pii_key_id),
        mailer=SesMailer(boto3.client("sesv2")),
        audit=AuditLog(),
    )


reply_service = per_settings(_replies)


def after_receipt(seller_id: str, thread_id: str) -> None:
    """What follows a stored buyer message: a draft (sent at once for the intents the seller named)."""
    with acting_for(seller_id):
        reply_service().draft(seller_id, thread_id)


def _identities(_settings: Settings) -> SesIdentities:
    import boto3

    from sellerflow.messages.ses import SesIdentities

    return SesIdentities(boto3.client("sesv2"))


sending_identities = per_settings(_identities)
