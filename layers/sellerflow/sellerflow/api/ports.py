"""What the API's routes need from the world, as Protocols, and where a deployment's adapters come from.

The apps never build an adapter: `sellerflow.wiring.api` builds the deployment's (stores, AWS
clients) and hands them over through `use_deployment_ports`, which each Lambda entry module calls;
tests give fakes to `create_app` instead. A port nobody gave answers every use with a
`ConfigurationError` (a 500), never with a silent default.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

from sellerflow.billing.gate import OPEN, PlanGate
from sellerflow.errors import ConfigurationError
from sellerflow.settings import Settings

# The ports' types only: importing an app imports none of the services (nor their models), which
# each deployment's builders import on the first request (`sellerflow.wiring.api`).
if TYPE_CHECKING:
    from datetime import date, datetime

    from sellerflow.alerts.model import AlertRules, AlertView, Recipient
    from sellerflow.alerts.webhooks import WebhookLedger
    from sellerflow.analytics.ads import AdsSeries, CampaignSummary
    from sellerflow.analytics.order_profit import OrderEconomics
    from sellerflow.analytics.service import AnalyticsService
    from sellerflow.billing.limits import Usage
    from sellerflow.billing.service import BillingService
    from sellerflow.connect.ads import AdsConnectService
    from sellerflow.connect.service import ConnectService
    from sellerflow.domain import Membership, Order, SellerProfile
    from sellerflow.incidents.service import IncidentStore
    from sellerflow.labels.model import LabelShipment
    from sellerflow.labels.service import LabelService
    from sellerflow.members.review import AccessReviewStore, MemberActivity
    from sellerflow.members.service import AuditSink, TeamStorePort, UserDirectory
    from sellerflow.messages.model import SellerInstructions
    from sellerflow.messages.replies import ReplyService
    from sellerflow.messages.service import InboundService
    from sellerflow.pii.models import Purpose
    from sellerflow.pii.service import ShippingAddress
    from sellerflow.privacy.service import ExportObjects, PrivacyConfig, WorkflowPort
    from sellerflow.solicitations.service import ReviewRequestStore
    from sellerflow.subprocessors import SubprocessorUse


class SellerDirectory(Protocol):
    def memberships_of(self, user_sub: str) -> list[Membership]: ...

    def membership(self, seller_id: str, user_sub: str) -> Membership | None: ...

    def profiles(self, seller_ids: Iterable[str]) -> list[SellerProfile]: ...


class HomeCurrencies(Protocol):
    """Where an owner's choice of home currency is kept (the seller's profile)."""

    def set_home_currency(self, seller_id: str, currency: str | None) -> None: ...


class OrderPageLike(Protocol):
    @property
    def orders(self) -> list[Order]: ...

    @property
    def next_token(self) -> str | None: ...


class OrderFigures(Protocol):
    """Each order's units, sales, fees, refunds, COGS and profit (`AnalyticsService.order_economics`)."""

    def order_economics(
        self, seller_id: str, orders: Sequence[Order], now: datetime
    ) -> dict[str, OrderEconomics]: ...


class ShipmentLookup(Protocol):
    """An order's bought label: carrier, service and tracking, no PII (`store.labels.LabelDataStore`)."""

    def shipment(self, seller_id: str, order_id: str) -> LabelShipment | None: ...


class OrderReader(Protocol):
    def get(self, seller_id: str, order_id: str) -> Order: ...

    def list(
        self,
        seller_id: str,
        *,
        created_from: datetime,
        created_to: datetime,
        statuses: Sequence[str] = (),
        limit: int = 50,
        next_token: str | None = None,
    ) -> OrderPageLike: ...


class AuditEntryLike(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def resource(self) -> str: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


class AuditPageLike(Protocol):
    @property
    def entries(self) -> Sequence[AuditEntryLike]: ...

    @property
    def next_token(self) -> str | None: ...


class AuditReader(Protocol):
    def page(
        self,
        seller_id: str,
        *,
        at_from: datetime | None = None,
        at_to: datetime | None = None,
        limit: int = 50,
        next_token: str | None = None,
    ) -> AuditPageLike: ...


class AlertsRepository(Protocol):
    def rules(self, seller_id: str, marketplace_ids: Sequence[str]) -> AlertRules: ...

    def put_rules(self, seller_id: str, rules: AlertRules, *, now: datetime | None = None) -> None: ...

    def recipients(self, seller_id: str) -> list[Recipient]: ...

    def put_recipient(self, seller_id: str, recipient: Recipient, *, now: datetime | None = None) -> None: ...

    def alerts(self, seller_id: str, *, limit: int = 100) -> list[AlertView]: ...


class AdsReports(Protocol):
    def campaigns(
        self, seller_id: str, marketplace_ids: Sequence[str], first: date, last: date
    ) -> list[CampaignSummary]: ...

    def daily(self, seller_id: str, marketplace_ids: Sequence[str], first: date, last: date) -> AdsSeries: ...


class ShippingAddresses(Protocol):
    def check_order(self, seller_id: str, order_id: str) -> Order: ...

    def shipping_address(
        self, seller_id: str, order: Order, *, purpose: Purpose, persist: bool = False
    ) -> ShippingAddress: ...


class SignatureCheck(Protocol):
    def valid(self, url: str, form: Mapping[str, str], signature: str) -> bool: ...


@dataclass(frozen=True)
class TwilioWebhookPorts:
    """The public Twilio routes' collaborators: the signature check and the alerts' records."""

    signatures: SignatureCheck
    ledger: WebhookLedger


class WebhookVerifier(Protocol):
    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]: ...


class EventLedger(Protocol):
    def once(
        self, event: dict[str, Any], handle: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class BillingPorts:
    """The billing app's collaborators (hosted deployments with Billing=on)."""

    service: BillingService
    verifier: Callable[[], WebhookVerifier]  # built on first webhook (reads the Stripe secret)
    events: EventLedger  # idempotency on the Stripe event id
    usage: Callable[[str], Usage] | None = None  # a seller's use of the countable limits


def _no_billing() -> BillingPorts:
    raise ConfigurationError("billing is off in this deployment (template parameter Billing=on turns it on)")


@dataclass(frozen=True)
class ApiPorts:
    """Every collaborator of the API's routes. Factories (`Callable`) are built on first use."""

    sellers: SellerDirectory
    orders: OrderReader
    audit: AuditSink
    audit_reader: AuditReader
    team: TeamStorePort  # memberships, invitations, break-glass grants
    users: UserDirectory
    analytics: AnalyticsService
    ads: AdsReports
    alerts: AlertsRepository
    connect: Callable[[], ConnectService]
    ads_connect: Callable[[], AdsConnectService]
    workflows: WorkflowPort  # export and erase-seller executions
    export_objects: ExportObjects
    privacy: PrivacyConfig
    shipping: Callable[[], ShippingAddresses]  # buyer PII: only the PII app's deployment has one
    subprocessors: tuple[SubprocessorUse, ...]  # the outside services the deployment's settings turn on
    incidents: IncidentStore  # security incidents (admins; docs/incident-response.md)
    reviews: AccessReviewStore  # the access review's members, last activity and completed reviews
    twilio_webhooks: Callable[[], TwilioWebhookPorts]  # Twilio's webhooks: only the webhooks app's deployment
    activity: MemberActivity | None = None  # records members' last activity (None: not recorded)
    currencies: HomeCurrencies | None = None  # the owners' home-currency choices (None: not kept)
    billing: Callable[[], BillingPorts] = _no_billing  # only the billing app's deployment has one
    plans: PlanGate = OPEN  # the plan's limits (Billing=on: the billing service; off: no limit)
    labels: Callable[[], LabelService] = field(default=lambda: _no_labels())  # only the PII app's deployment
    messages: Callable[[], MessagesPorts] = field(default=lambda: _no_messages())  # only the PII app's
    # review requests' setting and outcomes (the general API's deployment)
    review_requests: Callable[[], ReviewRequestStore] = field(default=lambda: _no_review_requests())
    order_figures: OrderFigures | None = None  # each listed order's fees and profit (None: not shown)
    shipments: ShipmentLookup | None = None  # the order view's label and tracking (None: not shown)


PortsFactory = Callable[[Settings], ApiPorts]


@dataclass(frozen=True)
class MessagesPorts:
    """Buyer messages (the PII app: bodies are buyer data under the PII key)."""

    replies: ReplyService
    inbound: InboundService
    settings: MessageSettings
    identities: SendingIdentities | None = None  # None: the sending address is not checked


class SendingIdentities(Protocol):
    def verified(self, address: str) -> bool | None: ...


class MessageSettings(Protocol):
    def instructions(self, seller_id: str) -> SellerInstructions: ...

    def put_instructions(self, seller_id: str, instructions: SellerInstructions) -> None: ...


def _no_messages() -> MessagesPorts:
    raise ConfigurationError("this API function holds no buyer messages: they are the PII app's")


def _no_review_requests() -> ReviewRequestStore:
    raise ConfigurationError("this API function keeps no review requests: they are the general API's")


def _no_labels() -> LabelService:
    raise ConfigurationError(
        "this API function buys no labels: labels are the PII app's (buyer recipient data)"
    )


class _NotGiven:
    """Stands for a port that neither the test nor a deployment gave: any use is a ConfigurationError."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _refuse(self) -> ConfigurationError:
        return ConfigurationError(f"the API has no {self._name!r} port (no deployment adapters installed)")

    def __getattr__(self, attribute: str) -> Any:
        raise self._refuse()

    def __call__(self, *_args: object, **_kwargs: object) -> Any:
        raise self._refuse()


def no_ports(_settings: Settings) -> ApiPorts:
    not_given: dict[str, Any] = {f.name: _NotGiven(f.name) for f in fields(ApiPorts) if f.default is MISSING}
    return ApiPorts(**not_given)


def with_given(base: ApiPorts, given: dict[str, object]) -> ApiPorts:
    """`base` with the ports a caller (a test) gave in its place; an unknown name is a TypeError."""
    unknown = sorted(set(given) - {f.name for f in fields(ApiPorts)})
    if unknown:
        raise TypeError(f"unknown API port(s): {', '.join(unknown)}")
    ports: dict[str, Any] = {name: port for name, port in given.items() if port is not None}
    return replace(base, **ports)


@dataclass
class _Deployment:
    general: PortsFactory = no_ports
    pii: PortsFactory = no_ports
    webhooks: PortsFactory = no_ports
    billing: PortsFactory = no_ports


DEPLOYMENT = _Deployment()


def use_deployment_ports(
    *,
    general: PortsFactory,
    pii: PortsFactory,
    webhooks: PortsFactory = no_ports,
    billing: PortsFactory = no_ports,
) -> None:
    """Called by the composition root (`sellerflow.wiring.api`) from the Lambda entry modules."""
    DEPLOYMENT.general = general
    DEPLOYMENT.pii = pii
    DEPLOYMENT.webhooks = webhooks
    DEPLOYMENT.billing = billing
