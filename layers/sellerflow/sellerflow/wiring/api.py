"""The HTTP API's adapters: the stores, AWS clients and services behind `sellerflow.api.ports.ApiPorts`.

The Lambda entry modules (`functions/api/app.py`, `functions/api_pii/app.py`) call
`use_deployment_adapters()`; each app then builds its ports on its first request, from the settings
it was given (or the process's). Only the PII app's ports hold the buyer-PII store (and so the PII
key's ARN): the general API function's ports answer any PII use with a `ConfigurationError`.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING

from sellerflow import wiring
from sellerflow.api.ports import (
    ApiPorts,
    BillingPorts,
    MessagesPorts,
    ShippingAddresses,
    TwilioWebhookPorts,
    WebhookVerifier,
    no_ports,
    use_deployment_ports,
)
from sellerflow.errors import ConfigurationError
from sellerflow.settings import Settings

# Each builder imports its stores, services and adapters when it first runs (a cold start of an API
# function imports none of them: its routes build their ports on the first request).
if TYPE_CHECKING:
    from sellerflow.labels.model import LabelShipment
    from sellerflow.labels.service import LabelService
    from sellerflow.members.model import PoolUser
    from sellerflow.members.service import UserDirectory
    from sellerflow.store.labels import LabelDataStore
    from sellerflow.store.users import CognitoUsers


class _CognitoUsersOnFirstUse:
    """The user pool's users, with the Cognito client made only when a team change needs it."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._built: list[CognitoUsers] = []

    def _users(self) -> CognitoUsers:
        if not self._built:
            from sellerflow.store.users import CognitoUsers

            self._built.append(
                CognitoUsers(self._settings.cognito_user_pool_id, region=self._settings.aws_region)
            )
        return self._built[0]

    def ensure_user(self, email: str) -> bool:
        return self._users().ensure_user(email)

    def user(self, sub: str) -> PoolUser | None:
        return self._users().user(sub)

    def sign_out_everywhere(self, sub: str) -> bool:
        return self._users().sign_out_everywhere(sub)


class _ShipmentsOnFirstUse:
    """The order view's label and tracking (`LABEL#` items, no PII); `store.labels` and the boto3 it
    loads for the label bucket are imported on the first order view, not at every cold start."""

    def __init__(self) -> None:
        self._stores: list[LabelDataStore] = []

    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None:
        if not self._stores:
            from sellerflow.store.labels import LabelDataStore

            self._stores.append(LabelDataStore())
        return self._stores[0].shipment(seller_id, order_id)


def _no_buyer_pii() -> ShippingAddresses:
    raise ConfigurationError("the general API function holds no PII key: buyer PII is the PII app's")


def api_ports(settings: Settings) -> ApiPorts:
    """The general API's adapters (tables bound to `settings`)."""
    from sellerflow.analytics.ads import AdsService
    from sellerflow.billing.gate import OPEN
    from sellerflow.store.access_review import AccessReviewStore
    from sellerflow.store.ads import AdsStore
    from sellerflow.store.alerts import AlertStore
    from sellerflow.store.audit import AuditLog
    from sellerflow.store.facts_rollups import RollupStore
    from sellerflow.store.incidents import IncidentStore
    from sellerflow.store.members import TeamStore
    from sellerflow.store.orders import OrderStore
    from sellerflow.store.privacy import SellerObjects, Workflows
    from sellerflow.store.sellers import SellerStore
    from sellerflow.store.solicitations import ReviewRequestStore
    from sellerflow.wiring.analytics import analytics_service
    from sellerflow.wiring.billing import build_billing_service
    from sellerflow.wiring.connect import ads_connect_service, connect_service
    from sellerflow.wiring.privacy import privacy_config
    from sellerflow.wiring.subprocessors import deployment_subprocessors

    current = wiring.bound_settings(settings)
    audit = AuditLog()

    users: UserDirectory = _CognitoUsersOnFirstUse(current)
    team = TeamStore()
    reviews = AccessReviewStore(team)
    alerts = AlertStore()
    analytics = analytics_service(current)
    return ApiPorts(
        sellers=SellerStore(),
        orders=OrderStore(history=wiring.history_archive(current)),
        audit=audit,
        audit_reader=audit,
        team=team,
        users=users,
        analytics=analytics,
        ads=AdsService(ads=AdsStore(), rollups=RollupStore()),
        alerts=alerts,
        connect=connect_service,
        ads_connect=ads_connect_service,
        workflows=Workflows(),
        export_objects=SellerObjects.from_settings(current),
        privacy=privacy_config(current),
        shipping=_no_buyer_pii,
        subprocessors=deployment_subprocessors(current),
        incidents=IncidentStore(),
        reviews=reviews,
        twilio_webhooks=_no_twilio_secret,
        activity=reviews,
        review_requests=ReviewRequestStore,
        plans=build_billing_service(current) if current.billing_enabled else OPEN,
        order_figures=analytics,
        shipments=_ShipmentsOnFirstUse(),
        currencies=SellerStore(),
    )


def _no_twilio_secret() -> TwilioWebhookPorts:
    raise ConfigurationError("the general API function holds no Twilio secret: webhooks are their own app's")


def webhook_ports(settings: Settings) -> ApiPorts:
    """Twilio's webhooks: the signature check (the Twilio secret) and the alerts' records only."""
    from sellerflow.store.alerts import AlertStore

    current = wiring.bound_settings(settings)
    alerts = AlertStore()

    @cache  # one credentials source (Powertools caches the secret's value)
    def twilio_webhooks() -> TwilioWebhookPorts:
        from sellerflow.notifications.whatsapp import SecretsManagerTwilioCredentials, TwilioSignatures

        credentials = SecretsManagerTwilioCredentials(current.twilio_secret_name)
        return TwilioWebhookPorts(signatures=TwilioSignatures(credentials), ledger=alerts)

    return replace(no_ports(current), twilio_webhooks=twilio_webhooks)


def pii_ports(settings: Settings) -> ApiPorts:
    """The buyer-PII API's adapters: the general ones and the buyer-PII store under the PII key."""
    ports = api_ports(settings)  # binds the tables to `settings`

    @cache  # one encryption client per container
    def shipping() -> ShippingAddresses:
        from sellerflow.pii.service import ShippingAddressService
        from sellerflow.store.orders import OrderStore
        from sellerflow.store.pii import BuyerPiiStore

        queue = BuyerPiiStore(settings.pii_key_id)
        return ShippingAddressService(spapi=wiring.spapi_client(), queue=queue, orders=OrderStore())

    @cache
    def labels() -> LabelService:
        from sellerflow.wiring.labels import label_service

        return label_service(settings)

    @cache
    def messages() -> MessagesPorts:
        from sellerflow.store.messages import MessageSettingsStore
        from sellerflow.wiring import messages as wired

        return MessagesPorts(
            replies=wired.reply_service(),
            inbound=wired.inbound_service(),
            settings=MessageSettingsStore(),
            identities=wired.sending_identities(),
        )

    return replace(ports, shipping=shipping, labels=labels, messages=messages)


def billing_ports(settings: Settings) -> ApiPorts:
    """The billing app's ports: nothing but billing (no seller data, no other secret)."""
    current = wiring.bound_settings(settings)
    if not current.billing_enabled:
        return no_ports(current)

    @cache
    def ports() -> BillingPorts:
        from sellerflow.store.billing import IdempotentEvents
        from sellerflow.wiring.billing import build_billing_service

        @cache
        def verifier() -> WebhookVerifier:
            from sellerflow.billing.stripe_adapter import StripeWebhookVerifier
            from sellerflow.wiring.billing import stripe_secret

            secret = stripe_secret(current)["webhook_secret"]
            return StripeWebhookVerifier(secret, tolerance_s=current.stripe_webhook_tolerance_s)

        return BillingPorts(
            service=build_billing_service(current), verifier=verifier,
            events=IdempotentEvents(current.billing_table),
        )  # fmt: skip

    general = api_ports(current)  # membership checks need the sellers table and the audit log
    return replace(general, billing=ports)


def use_deployment_adapters() -> None:
    """The deployment's adapters for both API apps (called by their Lambda entry modules)."""
    use_deployment_ports(general=api_ports, pii=pii_ports, webhooks=webhook_ports, billing=billing_ports)
