"""Billing's adapters (hosted deployments with Billing=on): the billing table, Stripe (through the
one adapter that holds the client), the owners' notices on the alerts topic, the webhook idempotency.

The Stripe secret ({"api_key","webhook_secret"}) is read with Powertools parameters (cached for
five minutes) only when a checkout, portal, usage report or webhook needs it: reading a plan needs
no secret.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sellerflow import wiring
from sellerflow.billing.model import BillingNotice
from sellerflow.billing.plans import catalog
from sellerflow.billing.service import BillingService, PaymentProvider, UsageRun
from sellerflow.errors import ConfigurationError
from sellerflow.settings import Settings

SECRET_MAX_AGE_S = 300


def stripe_secret(settings: Settings) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(settings.stripe_secret_name, transform="json", max_age=SECRET_MAX_AGE_S)
    if not isinstance(value, dict) or not value.get("api_key") or not value.get("webhook_secret"):
        raise ConfigurationError('the Stripe secret must hold {"api_key", "webhook_secret"}')
    return value


class _LoggedNotices:
    """Where notices go when the deployment has no alerts topic: the log (kind and plan only)."""

    def notify(self, notice: BillingNotice) -> None:
        from sellerflow.observability import logger

        logger.info("billing notice", extra={"kind": notice.kind.value, "plan": notice.plan_id})


def _notices(settings: Settings) -> Any:
    if not settings.alerts_topic_arn:
        return _LoggedNotices()
    from sellerflow.notifications.sns import AlertTopic, BillingNotices

    return BillingNotices(AlertTopic(settings.alerts_topic_arn))


def build_billing_service(settings: Settings) -> BillingService:
    from sellerflow.store.billing import BillingTable

    @cache
    def provider() -> PaymentProvider:
        from sellerflow.billing.stripe_adapter import StripePayments

        return StripePayments(stripe_secret(settings)["api_key"], api_base=settings.stripe_api_base)

    return BillingService(
        accounts=BillingTable(settings.billing_table), provider=provider, notices=_notices(settings),
        catalog=catalog(settings.billing_price_ids),
    )  # fmt: skip


@wiring.per_settings
def billing_service(s: Settings) -> BillingService:
    return build_billing_service(s)


def report_monthly_usage(now: datetime, period: str | None = None) -> UsageRun:
    """The scheduled usage report (ReportUsage, Billing=on): each metered account's orders synced in
    the month before `now` (or `period`, "YYYY-MM"), counted from its seller's day rollups (a sum of
    their order counts; nothing else of the seller's is read or sent) and sent to Stripe's meter."""
    from sellerflow.billing.service import UsagePeriod
    from sellerflow.wiring.analytics import rollup_store

    rollups = rollup_store()

    def orders_synced(seller_id: str, first: date, last: date) -> int:
        return sum(day.orders for day in rollups.days(seller_id, first, last))

    month = UsagePeriod.named(period) if period else UsagePeriod.before(now)
    return billing_service().report_period(month, orders_synced)
