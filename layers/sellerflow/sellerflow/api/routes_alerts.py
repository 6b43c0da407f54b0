"""The alert routes of the Sellerflow API (registered by `create_app`).

    GET /sellers/{sellerId}/alerts/rules        the seller's rules (defaults for kinds never set)  ALERTS_READ
    PUT /sellers/{sellerId}/alerts/rules        body {rules:[...]}: the kinds given are replaced  ALERTS_MANAGE
    GET /sellers/{sellerId}/alerts              the alerts sent (or held) with their deliveries    ALERTS_READ
    GET /sellers/{sellerId}/alerts/recipients   the WhatsApp numbers and their opt-in state        ALERTS_MANAGE
    PUT /sellers/{sellerId}/alerts/recipients   body {recipients:[{phone, opted_in}]}: the list    ALERTS_MANAGE

A number that unsubscribed (replied STOP; Twilio 21610) stays opted out: an owner cannot opt it in
again. Numbers left out of a PUT are kept as opted out (their history stays visible).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from chalice import Chalice, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sellerflow.alerts.model import AlertRule, AlertRules, AlertView, Phone, Recipient
from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import single_values
from sellerflow.errors import InvalidInput
from sellerflow.members.permissions import Permission
from sellerflow.principal import Principal

MAX_RECIPIENTS = 10


class _Runtime(Protocol):
    @property
    def access(self) -> Any: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


class AlertsRepository(Protocol):
    def rules(self, seller_id: str, marketplace_ids: Any) -> AlertRules: ...

    def put_rules(self, seller_id: str, rules: AlertRules, *, now: datetime | None = None) -> None: ...

    def recipients(self, seller_id: str) -> list[Recipient]: ...

    def put_recipient(self, seller_id: str, recipient: Recipient, *, now: datetime | None = None) -> None: ...

    def alerts(self, seller_id: str, *, limit: int = 100) -> list[AlertView]: ...


# --- request and response models ------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RulesIn(_Model):
    rules: list[AlertRule] = Field(min_length=1, max_length=5)


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
                DeliveryOut(
                    phone=d.phone,
                    status=d.status.value,
                    message_sid=d.message_sid,
                    provider_status=d.provider_status,
                    error_code=d.error_code,
                    updated_at=d.updated_at,
                )
                for d in v.deliveries
            ],
        )


class AlertsOut(_Model):
    alerts: list[AlertOut]


def _ok(model: BaseModel) -> Response:
    return Response(body=model.model_dump(mode="json"), status_code=200, headers=dict(JSON_HEADERS))


def _body(raw: str | bytes | None, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
            for e in exc.errors(include_input=False)
        )
        raise InvalidInput(f"invalid request body: {problems}"[:500]) from None


def register_alert_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    alerts: AlertsRepository | None = None,
    audit: Any = None,
    sellers: Any = None,
) -> None:
    """Add the alert routes to the app; collaborators are built on the first request."""
    lock = threading.Lock()
    built: list[tuple[AlertsRepository, Any, Any]] = []

    def deps() -> tuple[AlertsRepository, Any, Any]:
        runtime()  # binds the tables when the app builds its own stores
        with lock:
            if not built:
                from sellerflow.store.alerts import AlertStore
                from sellerflow.store.audit import AuditLog
                from sellerflow.store.sellers import SellerStore

                built.append(
                    (
                        alerts if alerts is not None else AlertStore(),
                        audit if audit is not None else AuditLog(),
                        sellers if sellers is not None else SellerStore(),
                    )
                )
            return built[0]

    def allowed(seller_id: str, permission: Permission) -> Principal:
        who = caller()
        runtime().access.require(who, seller_id, permission)
        single_values(query_params(), allowed=())
        return who

    def marketplaces(seller_id: str) -> tuple[str, ...]:
        profiles = deps()[2].profiles([seller_id])
        return profiles[0].marketplace_ids if profiles else ()

    @app.route("/sellers/{sellerId}/alerts/rules", methods=["GET"])
    @http_errors
    def get_alert_rules(sellerId: str) -> Response:
        allowed(sellerId, Permission.ALERTS_READ)
        rules = deps()[0].rules(sellerId, marketplaces(sellerId))
        return _ok(RulesOut(rules=list(rules.rules)))

    @app.route("/sellers/{sellerId}/alerts/rules", methods=["PUT"])
    @http_errors
    def put_alert_rules(sellerId: str) -> Response:
        who = allowed(sellerId, Permission.ALERTS_MANAGE)
        body: RulesIn = _body(current(app.current_request).raw_body, RulesIn)
        mkts = marketplaces(sellerId)
        for rule in body.rules:
            foreign = [m for m in rule.marketplace_ids if m not in mkts]
            if foreign:
                raise InvalidInput(
                    f"rule {rule.kind.value}: marketplace(s) {', '.join(foreign)} are not the seller's"
                )
        try:
            given = AlertRules(rules=tuple(body.rules))
        except ValidationError:
            raise InvalidInput("give at most one rule per kind") from None
        repo, audit_log, _ = deps()
        repo.put_rules(sellerId, given, now=runtime().clock())
        kinds = ",".join(r.kind.value for r in given.rules)
        audit_log.record(sellerId, who.sub, "alerts.rules.write", f"alert rules {kinds}")
        return _ok(RulesOut(rules=list(repo.rules(sellerId, mkts).rules)))

    @app.route("/sellers/{sellerId}/alerts", methods=["GET"])
    @http_errors
    def list_alerts(sellerId: str) -> Response:
        allowed(sellerId, Permission.ALERTS_READ)
        return _ok(AlertsOut(alerts=[AlertOut.of(v) for v in deps()[0].alerts(sellerId)]))

    @app.route("/sellers/{sellerId}/alerts/recipients", methods=["GET"])
    @http_errors
    def get_alert_recipients(sellerId: str) -> Response:
        allowed(sellerId, Permission.ALERTS_MANAGE)
        found = sorted(deps()[0].recipients(sellerId), key=lambda r: r.phone)
        return _ok(RecipientsOut(recipients=[RecipientOut.of(r) for r in found]))

    @app.route("/sellers/{sellerId}/alerts/recipients", methods=["PUT"])
    @http_errors
    def put_alert_recipients(sellerId: str) -> Response:
        who = allowed(sellerId, Permission.ALERTS_MANAGE)
        body: RecipientsIn = _body(current(app.current_request).raw_body, RecipientsIn)
        repo, audit_log, _ = deps()
        now = runtime().clock()
        existing = {r.phone: r for r in repo.recipients(sellerId)}
        wanted = {r.phone: r.opted_in for r in body.recipients}
        for phone in sorted(set(existing) | set(wanted)):
            before = existing.get(phone)
            opted_in = wanted.get(phone, False)
            after = Recipient(
                phone=phone,
                opted_in=opted_in,
                opted_out_at=before.opted_out_at if before else None,  # an unsubscribed number stays out
                opted_out_reason=before.opted_out_reason if before else None,
            )
            if after != before:
                repo.put_recipient(sellerId, after, now=now)
        audit_log.record(
            sellerId, who.sub, "alerts.recipients.write", f"alert recipients count={len(wanted)}"
        )
        found = sorted(repo.recipients(sellerId), key=lambda r: r.phone)
        return _ok(RecipientsOut(recipients=[RecipientOut.of(r) for r in found]))
