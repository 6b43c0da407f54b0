"""Every error Sellerflow raises on purpose, in one place.

The class name is the contract: Step Functions `Retry`/`Catch` match it (`ErrorEquals`), and the API
maps it to an HTTP status in one place (the API's error middleware). Messages name what was wrong and
the value it had, never a buyer's data or a token.
"""

from __future__ import annotations


class SellerflowError(Exception):
    """Base of every deliberate Sellerflow error."""


# --- SP-API port -----------------------------------------------------------------------------
class SpApiError(SellerflowError):
    """An SP-API call failed."""

    def __init__(self, message: str, *, operation: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status


class SpApiThrottled(SpApiError):
    """Amazon answered 429 (or our own pacing ran dry) for this seller and operation; retry later."""

    def __init__(self, message: str, *, operation: str = "", retry_after_s: float = 0.0) -> None:
        super().__init__(message, operation=operation, status=429)
        self.retry_after_s = retry_after_s


class SpApiAuthorizationRevoked(SpApiError):
    """LWA answered invalid_grant: the seller revoked (or never granted) this app's authorization."""


class SpApiBadRequest(SpApiError):
    """Amazon rejected the request as malformed (400/404/413/415); retrying will not help."""


class SpApiServerError(SpApiError):
    """Amazon failed (5xx or no answer) after our own retries; Step Functions may retry later."""


class SpApiAccessDenied(SpApiError):
    """Amazon answered 403 with a fresh token: the app lacks the role for this operation."""


class DocumentUrlExpired(SpApiError):
    """A report document's pre-signed URL (valid 5 minutes) has expired; ask for a fresh one."""


# --- Amazon Ads port ---------------------------------------------------------------------------
class AdsApiError(SellerflowError):
    """An Amazon Ads API call failed."""

    def __init__(self, message: str, *, operation: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.operation = operation
        self.status = status


class AdsThrottled(AdsApiError):
    """The Ads API answered 429; Step Functions retries after (at least) Retry-After seconds."""

    def __init__(self, message: str, *, operation: str = "", retry_after_s: float = 0.0) -> None:
        super().__init__(message, operation=operation, status=429)
        self.retry_after_s = retry_after_s


class AdsServerError(AdsApiError):
    """The Ads API failed (5xx or no answer) after our own retries; Step Functions may retry later."""


class AdsBadRequest(AdsApiError):
    """The Ads API rejected the request (400/404/415); retrying will not help."""


class AdsAccessDenied(AdsApiError):
    """The Ads API refused the token (401/403): no advertising grant, a lost scope or a foreign profile."""


class AdsWrongRegion(AdsApiError):
    """A profile or marketplace asked on a region's host that does not serve it (Amazon answers such
    calls 401): a profile belongs to exactly one of the NA, EU and FE hosts."""


class AdsReportUrlExpired(AdsApiError):
    """An Ads report's download URL has expired; poll the report again for a fresh one."""


# --- Configuration and input -----------------------------------------------------------------
# --- workflows -------------------------------------------------------------------------------
class WorkflowStartThrottled(SellerflowError):
    """Step Functions refused a StartExecution over the account's rate (ThrottlingException): the
    fanout's child retries it with backoff rather than leaving the seller unsynced this tick (a
    batch raises it after starting its other sellers, whose starts are then no-ops)."""


class StartBatchOutOfTime(SellerflowError):
    """A fanout batch stopped before its Lambda's timeout with sellers left to start: the ones it
    reached are started, the fanout's child retries the batch for the rest (the started are no-ops)."""


class ConfigurationError(SellerflowError):
    """The deployment is missing a setting or holds an invalid one."""


class InvalidInput(SellerflowError):
    """A request or event did not match its contract."""


# --- Storage / tenancy -----------------------------------------------------------------------
class SellerNotFound(SellerflowError):
    """No such seller, or the caller may not see it (the API never tells the two apart)."""


class OrderNotFound(SellerflowError):
    """No such order for this seller."""


class IncidentNotFound(SellerflowError):
    """No such security incident."""


class CredentialsMissing(SellerflowError):
    """The seller has no stored refresh token (never connected, disconnected or erased)."""


# --- API authentication ----------------------------------------------------------------------
class Unauthenticated(SellerflowError):
    """The caller's token is missing, expired, forged or meant for another audience."""


class Forbidden(SellerflowError):
    """The caller is authenticated but lacks the role for this action."""


# --- The seller's data rights (sellerflow.privacy) ------------------------------------------------
class SettlementNotFound(SellerflowError):
    """No such settlement for this seller."""


class ExportNotFound(SellerflowError):
    """No such export for this seller (or the caller may not see it)."""


class ErasureIncomplete(SellerflowError):
    """The erasure's verification still found items or objects of the seller; re-run the workflow."""


# --- Data protection (buyer PII, audit chain) ------------------------------------------------
class OrderNotSellerFulfilled(SellerflowError):
    """The order is fulfilled by Amazon (FBA) or cancelled: the seller prints no label for it (409)."""


class PiiContextMismatch(SellerflowError):
    """A stored PII ciphertext was not encrypted for this seller, order and purpose; refused."""


class AuditAppendConflict(SellerflowError):
    """An audit entry could not be appended after many concurrent writers won the race; retry."""


class ShippingAddressUnavailable(SellerflowError):
    """Amazon returned no shipping address for the order (not yet releasable, or withheld) (409)."""


# --- Shipping labels of merchant-fulfilled orders (sellerflow.labels) ------------------------------
class LabelError(SellerflowError):
    """A label could not be bought, printed or voided; the message says why (never buyer data)."""


class MissingPackageDimensions(LabelError):
    """A SKU of the order has no package profile (weight and dimensions) yet (409)."""

    def __init__(self, message: str, *, skus: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.skus = skus


class UndeliverableAddress(LabelError):
    """Amazon offers no service to the order's ship-to address (422)."""


class NoEligibleRate(LabelError):
    """Every service refused the package (weight, size) (422)."""


class RateExpired(LabelError):
    """The rates the seller chose from have expired; ask for rates again (409). Nothing was bought."""


class PurchaseIncomplete(LabelError):
    """The purchase may have been charged but no label came back (502). Retrying the same purchase
    returns that shipment (the purchase is idempotent on its client reference): nothing is bought twice."""


class VoidWindowClosed(LabelError):
    """The carrier's window for cancelling the label has passed (409)."""


class LabelNotFound(LabelError):
    """No label was bought for the order, or it is void, or its reprint copy has expired (404)."""


class MemberNotFound(SellerflowError):
    """No such member (or invitation) of this seller (404)."""


class LastOwner(SellerflowError):
    """The change would leave the seller without an owner (409)."""


class InvitationGone(SellerflowError):
    """The invitation was already used, has expired or was revoked (410)."""


# --- Connecting an Amazon account (sellerflow.connect) -------------------------------------------
class ConnectStateRejected(SellerflowError):
    """The callback's `state` is forged, tampered, expired, already used or another user's (403)."""


class AuthorizationCodeRejected(SellerflowError):
    """LWA refused the `spapi_oauth_code` (invalid_grant: unknown, used, expired or another redirect)."""


class SellerAlreadyConnected(SellerflowError):
    """The Amazon account is connected by another team; an owner must invite the caller (409)."""


class SellerIdentityMismatch(SellerflowError):
    """The Amazon account the consent's token stands for is not the seller the callback names: its
    marketplace participations do not match the connected seller's (409)."""


class AdsAccountMismatch(SellerflowError):
    """The Amazon Ads grant reaches no advertising profile of this seller: another account (409)."""


class AlreadyMember(SellerflowError):
    """The user is already a member of this seller (409)."""


# --- Alerts (WhatsApp delivery through Twilio) ---------------------------------------------------
class WhatsAppTemporaryFailure(SellerflowError):
    """Twilio failed (5xx, 429, no answer, credentials) for a message; the queue retries it, then the DLQ keeps it."""


class WhatsAppRecipientRejected(SellerflowError):
    """Twilio refused a message for good for this number (invalid, not on WhatsApp); not retried."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class WhatsAppRecipientOptedOut(WhatsAppRecipientRejected):
    """The number is unsubscribed (Twilio 21610: it replied STOP); it is never messaged again."""


class AlertDeliveryFailed(SellerflowError):
    """At least one message of an alert failed temporarily; the SQS record is retried."""


# --- Billing (hosted deployments; sellerflow.billing) ----------------------------------------------
class PlanLimitReached(SellerflowError):
    """The seller's plan allows no more of something (accounts, marketplaces, seats) or lacks a feature
    (402: upgrading the plan lifts it). Nothing already stored is touched."""

    def __init__(self, message: str, *, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class BillingReadOnly(SellerflowError):
    """The seller's account is read-only (payment overdue past its grace period, or cancelled): its data
    stays readable and exportable, changes and syncing wait for a payment (402)."""


class UsageReportIncomplete(SellerflowError):
    """Some metered accounts' usage could not be sent to Stripe (the others were): the monthly
    report fails so that its schedule runs it again; what was sent is kept once by its identifier."""


class BillingConflict(SellerflowError):
    """The billing request does not fit the account's state, e.g. a checkout while a subscription is
    live (change plans in the Customer Portal) or a portal before any checkout (409)."""


class WebhookRejected(SellerflowError):
    """A payment provider's webhook failed its signature or timestamp check (400; nothing applied)."""
