"""The alert routes: rules, the alerts sent, and the WhatsApp recipients.

    GET /sellers/{sellerId}/alerts/rules        the seller's rules (defaults for kinds never set)  ALERTS_READ
    PUT /sellers/{sellerId}/alerts/rules        body {rules:[...]}: the kinds given are replaced  ALERTS_MANAGE
    GET /sellers/{sellerId}/alerts              the alerts sent (or held) with their deliveries    ALERTS_READ
    GET /sellers/{sellerId}/alerts/recipients   the WhatsApp numbers and their opt-in state        ALERTS_MANAGE
    PUT /sellers/{sellerId}/alerts/recipients   body {recipients:[{phone, opted_in}]}: the list    ALERTS_MANAGE

A number that unsubscribed (replied STOP; Twilio 21610) stays opted out: an owner cannot opt it in
again. Numbers left out of a PUT are kept as opted out (their history stays visible).
"""

from __future__ import annotations

from datetime import datetime

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sellerflow.alerts.content import AlertKind
from sellerflow.alerts.model import AlertRule, AlertRules, AlertView, Phone, Recipient
from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import same_named
from sellerflow.api.routes_analytics import seller_marketplaces
from sellerflow.billing.limits import Feature
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import Permission

MAX_RECIPIENTS = 10


# --- request and response models ------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")


class RulesIn(_Model):
    rules: list[AlertRule] = Field(min_length=1, max_length=len(AlertKind))  # one per kind at most


class RecipientIn(_Model):
    phone: Phone
    opted_in: bool = True


class RecipientsIn(_Model):
    recipients: list[RecipientIn] = Field(max_length=MAX_RECIPIENTS)


class RecipientOut(_Model):
    phone: str
    opted_in: bool
    opted_out_at: datetime | None

    @classmethod
    def of(cls, r: Recipient) -> RecipientOut:
        return cls(phone=r.phone, opted_in=r.reachable, opted_out_at=r.opted_out_at)


class RecipientsOut(_Model):
    recipients: list[RecipientOut]


class RulesOut(_Model):
    rules: list[AlertRule]


class DeliveryOut(_Model):
    phone: str
    status: str
    message_sid: str | None
    provider_status: str | None
    error_code: int | None
    updated_at: datetime


class AlertOut(_Model):
    alert_id: str
    kind: str
    scope: str
    period: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    summary: str
    deliveries: list[DeliveryOut]

    @classmethod
    def of(cls, v: AlertView) -> AlertOut:
        return cls(
            alert_id=v.alert_id,
            kind=v.kind.value,
            scope=v.scope,
            period=v.period,
            status=v.status.value,
            created_at=v.created_at,
            sent_at=v.sent_at,
            summary=v.summary,
            deliveries=[
                DeliveryOut(**same_named(DeliveryOut, d, status=d.status.value)) for d in v.deliveries
            ],
        )


class AlertsOut(_Model):
    alerts: list[AlertOut]


def _recipients_out(found: list[Recipient]) -> RecipientsOut:
    return RecipientsOut(recipients=[RecipientOut.of(r) for r in sorted(found, key=lambda r: r.phone)])


def _check_marketplaces(rules: list[AlertRule], mkts: tuple[str, ...]) -> AlertRules:
    for rule in rules:
        foreign = [m for m in rule.marketplace_ids if m not in mkts]
        if foreign:
            raise InvalidInput(
                f"rule {rule.kind.value}: marketplace(s) {', '.join(foreign)} are not the seller's"
            )
    try:
        return AlertRules(rules=tuple(rules))
    except ValidationError:
        raise InvalidInput("give at most one rule per kind") from None


def alert_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/alerts/rules", RouteDoc(RulesOut))
    def get_alert_rules(sellerId: str) -> Response:
        """The alert rules, defaults for kinds never set (ALERTS_READ)."""
        ctx.member_without_query(sellerId, Permission.ALERTS_READ)
        rules = ctx.ports.alerts.rules(sellerId, seller_marketplaces(ctx, sellerId))
        return json_response(RulesOut(rules=list(rules.rules)))

    @bp.put("/sellers/{sellerId}/alerts/rules", RouteDoc(RulesOut, body=RulesIn))
    def put_alert_rules(sellerId: str) -> Response:
        """Replace the rules of the kinds given (ALERTS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.ALERTS_MANAGE)
        body = parse_json_body(ctx.body(), RulesIn, "invalid request body")
        mkts = seller_marketplaces(ctx, sellerId)
        given = _check_marketplaces(body.rules, mkts)
        ctx.ports.alerts.put_rules(sellerId, given, now=ctx.now())
        kinds = ",".join(r.kind.value for r in given.rules)
        ctx.ports.audit.record(sellerId, who.sub, "alerts.rules.write", f"alert rules {kinds}")
        return json_response(RulesOut(rules=list(ctx.ports.alerts.rules(sellerId, mkts).rules)))

    @bp.get("/sellers/{sellerId}/alerts", RouteDoc(AlertsOut))
    def list_alerts(sellerId: str) -> Response:
        """The alerts sent or held, with their deliveries (ALERTS_READ)."""
        ctx.member_without_query(sellerId, Permission.ALERTS_READ)
        return json_response(AlertsOut(alerts=[AlertOut.of(v) for v in ctx.ports.alerts.alerts(sellerId)]))

    @bp.get("/sellers/{sellerId}/alerts/recipients", RouteDoc(RecipientsOut))
    def get_alert_recipients(sellerId: str) -> Response:
        """The WhatsApp numbers and their opt-in state (ALERTS_MANAGE)."""
        ctx.member_without_query(sellerId, Permission.ALERTS_MANAGE)
        return json_response(_recipients_out(ctx.ports.alerts.recipients(sellerId)))

    @bp.put(
        "/sellers/{sellerId}/alerts/recipients", RouteDoc(RecipientsOut, body=RecipientsIn, errors=(402,))
    )
    def put_alert_recipients(sellerId: str) -> Response:
        """Set the WhatsApp recipients (ALERTS_MANAGE)."""
        who = ctx.member_without_query(sellerId, Permission.ALERTS_MANAGE)
        body = parse_json_body(ctx.body(), RecipientsIn, "invalid request body")
        repo, now = ctx.ports.alerts, ctx.now()
        existing = {r.phone: r for r in repo.recipients(sellerId)}
        wanted = {r.phone: r.opted_in for r in body.recipients}
        if any(wanted.values()):  # WhatsApp is a paid plans' channel; removing numbers is always allowed
            ctx.ports.plans.require_feature(sellerId, Feature.WHATSAPP_ALERTS)
        for phone in sorted(set(existing) | set(wanted)):
            before = existing.get(phone)
            after = Recipient(
                phone=phone,
                opted_in=wanted.get(phone, False),
                opted_out_at=before.opted_out_at if before else None,  # an unsubscribed number stays out
                opted_out_reason=before.opted_out_reason if before else None,
            )
            if after != before:
                repo.put_recipient(sellerId, after, now=now)
        ctx.ports.audit.record(
            sellerId, who.sub, "alerts.recipients.write", f"alert recipients count={len(wanted)}"
        )
        return json_response(_recipients_out(repo.recipients(sellerId)))

    return bp
