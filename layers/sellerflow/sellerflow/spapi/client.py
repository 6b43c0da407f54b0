"""The one SP-API port: every call to Amazon goes through `SpApiClient`.

Why a thin client of our own rather than python-amazon-sp-api: that library binds endpoints to its
own marketplace table and LWA host (the simulator needs both configurable), caches access tokens for a
fixed 3,200 s regardless of `expires_in`, and debug-logs request headers that carry the access token.
Sellerflow needs per-seller just-in-time credentials, usage-plan pacing and typed errors anyway; what
remains is a few HTTP calls, done here with httpx on the request path shared with the Ads port
(`sellerflow.spapi.http`).

Waiting policy: short waits (pacing, a jittered retry) happen in-call, bounded by
`spapi_max_inline_wait_s`; anything longer raises `SpApiThrottled` so Step Functions waits for free.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NoReturn, Protocol

import httpx
from pydantic import SecretStr
from typing_extensions import override

from sellerflow.amazon.spapi import MarketplaceParticipation, SearchOrdersPage
from sellerflow.errors import (
    DocumentUrlExpired,
    SpApiAccessDenied,
    SpApiBadRequest,
    SpApiServerError,
    SpApiThrottled,
)
from sellerflow.spapi.http import (
    USER_AGENT,
    AccessTokenCache,
    AmazonHttpPort,
    OutgoingRequest,
    ThrottleWait,
    retry_after_s,
)
from sellerflow.spapi.lwa import AccessToken, LwaClient
from sellerflow.spapi.pacing import Pacer

__all__ = ["AccessTokenCache", "RefreshTokenSource", "SpApiClient"]

ORDERS_PATH = "/orders/2026-01-01/orders"
REPORTS_PATH = "/reports/2021-06-30"
TOKENS_PATH = "/tokens/2021-03-01/restrictedDataToken"
MFN_PATH = "/mfn/v0"
PARTICIPATIONS_PATH = "/sellers/v1/marketplaceParticipations"
SHIPPING_PATH = "/shipping/v2"
ORDERS_V0_PATH = "/orders/v0/orders"
SOLICITATIONS_PATH = "/solicitations/v1/orders"


class RefreshTokenSource(Protocol):
    """Where a seller's refresh token comes from (decrypted just in time, never cached here)."""

    def refresh_token(self, seller_id: str) -> SecretStr: ...


class SpApiClient(AmazonHttpPort):
    calls_metric = "SpApiCalls"
    throttles_metric = "SpApiThrottles"
    token_expired_status = 403  # an expired or revoked access token
    document_name = "report document"
    throttled_error = SpApiThrottled
    server_error = SpApiServerError
    url_expired_error = DocumentUrlExpired
    not_retried = frozenset({"createShipment"})  # Merchant Fulfillment: no idempotency key

    def __init__(
        self,
        *,
        endpoint: str,
        lwa: LwaClient,
        refresh_tokens: RefreshTokenSource,
        http: httpx.Client,
        token_cache: AccessTokenCache | None = None,
        pacer: Pacer | None = None,
        max_attempts: int = 3,
        max_inline_wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(
            endpoint=endpoint,
            http=http,
            token_cache=token_cache,
            max_attempts=max_attempts,
            max_inline_wait_s=max_inline_wait_s,
            sleep=sleep,
            rng=rng,
        )
        self._lwa = lwa
        self._refresh_tokens = refresh_tokens
        self._pacer = pacer or Pacer()

    @property
    def lwa(self) -> LwaClient:
        """The LWA client this port refreshes tokens with (also used to exchange authorization codes)."""
        return self._lwa

    # --- operations ------------------------------------------------------------------------------
    def search_orders(
        self,
        seller_id: str,
        *,
        last_updated_after: datetime,
        last_updated_before: datetime | None = None,
        marketplace_ids: Sequence[str] = (),
        fulfillment_statuses: Sequence[str] = (),
        included_data: Sequence[str] = ("PROCEEDS", "FULFILLMENT", "PROMOTION"),
        max_results_per_page: int = 100,
        pagination_token: str | None = None,
    ) -> SearchOrdersPage:
        params: dict[str, str] = {
            "lastUpdatedAfter": _iso(last_updated_after),
            "maxResultsPerPage": str(max_results_per_page),
        }
        if last_updated_before is not None:
            params["lastUpdatedBefore"] = _iso(last_updated_before)
        if marketplace_ids:
            params["marketplaceIds"] = ",".join(marketplace_ids)
        if fulfillment_statuses:
            params["fulfillmentStatuses"] = ",".join(fulfillment_statuses)
        if included_data:
            params["includedData"] = ",".join(included_data)
        if pagination_token:
            params["paginationToken"] = pagination_token
        body = self.call(seller_id, "searchOrders", "GET", ORDERS_PATH, params=params)
        return SearchOrdersPage(
            orders=list(body.get("orders") or []),
            next_token=(body.get("pagination") or {}).get("nextToken"),
        )

    def get_order(
        self,
        seller_id: str,
        order_id: str,
        *,
        included_data: Sequence[str] = (),
        restricted_data_token: SecretStr | None = None,
    ) -> dict[str, Any]:
        """getOrder; BUYER/RECIPIENT data needs `restricted_data_token` (an RDT for this order's path),
        which then replaces the seller's access token in `x-amz-access-token` for this call only."""
        params = {"includedData": ",".join(included_data)} if included_data else {}
        body = self.call(
            seller_id,
            "getOrder",
            "GET",
            f"{ORDERS_PATH}/{order_id}",
            params=params,
            access_token=restricted_data_token,
        )
        order: dict[str, Any] = body["order"]
        return order

    # --- Amazon Shipping v2 and Orders v0 shipment confirmation (labels) -------------------------
    def get_rates(self, seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        """getRates; `request` may hold the recipient (`shipTo`): it is sent, never logged or kept."""
        return self.call(seller_id, "getRates", "POST", f"{SHIPPING_PATH}/shipments/rates", json_body=request)

    def purchase_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, idempotency_key: str
    ) -> dict[str, Any]:
        """purchaseShipment; Amazon answers a repeated `x-amzn-IdempotencyKey` with the same shipment."""
        return self.call(
            seller_id,
            "purchaseShipment",
            "POST",
            f"{SHIPPING_PATH}/shipments",
            json_body=request,
            extra_headers={"x-amzn-IdempotencyKey": idempotency_key},
        )

    def get_shipment_documents(
        self, seller_id: str, shipment_id: str, *, package_reference: str, document_format: str
    ) -> dict[str, Any]:
        return self.call(
            seller_id,
            "getShipmentDocuments",
            "GET",
            f"{SHIPPING_PATH}/shipments/{shipment_id}/documents",
            params={"packageClientReferenceId": package_reference, "format": document_format},
        )

    def cancel_shipment(self, seller_id: str, shipment_id: str) -> None:
        self.call(seller_id, "cancelShipment", "PUT", f"{SHIPPING_PATH}/shipments/{shipment_id}/cancel")

    def get_tracking(self, seller_id: str, tracking_id: str, carrier_id: str) -> dict[str, Any]:
        return self.call(
            seller_id,
            "getTracking",
            "GET",
            f"{SHIPPING_PATH}/tracking",
            params={"trackingId": tracking_id, "carrierId": carrier_id},
        )

    def confirm_shipment(self, seller_id: str, order_id: str, request: Mapping[str, Any]) -> None:
        self.call(
            seller_id,
            "confirmShipment",
            "POST",
            f"{ORDERS_V0_PATH}/{order_id}/shipmentConfirmation",
            json_body=request,
        )

    # --- Solicitations v1 (review requests; only the order id and its marketplace are sent) --------
    def get_solicitation_actions(
        self, seller_id: str, order_id: str, *, marketplace_id: str
    ) -> dict[str, Any]:
        """getSolicitationActionsForOrder: the HAL answer (`_links.actions` names what is offered)."""
        return self.call(
            seller_id,
            "getSolicitationActionsForOrder",
            "GET",
            f"{SOLICITATIONS_PATH}/{order_id}",
            params={"marketplaceIds": marketplace_id},
        )

    def create_review_solicitation(self, seller_id: str, order_id: str, *, marketplace_id: str) -> None:
        """createProductReviewAndSellerFeedbackSolicitation (201, no body of interest)."""
        self.call(
            seller_id,
            "createProductReviewAndSellerFeedbackSolicitation",
            "POST",
            f"{SOLICITATIONS_PATH}/{order_id}/solicitations/productReviewAndSellerFeedback",
            params={"marketplaceIds": marketplace_id},
        )

    # --- Merchant Fulfillment v0 (restricted: createShipment, getShipment, cancelShipment) ----------
    def get_eligible_shipment_services(self, seller_id: str, request: Mapping[str, Any]) -> dict[str, Any]:
        return self.call(
            seller_id,
            "getEligibleShipmentServices",
            "POST",
            f"{MFN_PATH}/eligibleShippingServices",
            json_body=request,
        )

    def create_mfn_shipment(
        self, seller_id: str, request: Mapping[str, Any], *, restricted_data_token: SecretStr
    ) -> dict[str, Any]:
        """createShipment; its answer holds the ship-to address (`ShipToAddress`): callers drop it."""
        return self.call(
            seller_id, "createShipment", "POST", f"{MFN_PATH}/shipments", json_body=request,
            access_token=restricted_data_token,
        )  # fmt: skip

    def get_mfn_shipment(
        self, seller_id: str, shipment_id: str, *, restricted_data_token: SecretStr
    ) -> dict[str, Any]:
        return self.call(
            seller_id,
            "getShipment",
            "GET",
            f"{MFN_PATH}/shipments/{shipment_id}",
            access_token=restricted_data_token,
        )

    def cancel_mfn_shipment(
        self, seller_id: str, shipment_id: str, *, restricted_data_token: SecretStr
    ) -> None:
        self.call(
            seller_id, "mfn.cancelShipment", "DELETE", f"{MFN_PATH}/shipments/{shipment_id}",
            access_token=restricted_data_token,
        )  # fmt: skip

    # --- Tokens 2021-03-01 ----------------------------------------------------------------------
    def create_restricted_data_token(
        self, seller_id: str, restricted_resources: Sequence[Mapping[str, Any]]
    ) -> SecretStr:
        """An RDT for the given restricted resources (`{"method", "path", "dataElements"}` each).
        Never cached: it is minted for one PII read and used at once."""
        body = self.call(
            seller_id,
            "createRestrictedDataToken",
            "POST",
            TOKENS_PATH,
            json_body={"restrictedResources": [dict(r) for r in restricted_resources]},
        )
        return SecretStr(str(body["restrictedDataToken"]))

    # --- Reports 2021-06-30 ---------------------------------------------------------------------
    def create_report(
        self,
        seller_id: str,
        *,
        report_type: str,
        marketplace_ids: Sequence[str],
        data_start: datetime | None = None,
        data_end: datetime | None = None,
        options: Mapping[str, str] | None = None,
    ) -> str:
        spec: dict[str, Any] = {"reportType": report_type, "marketplaceIds": list(marketplace_ids)}
        if data_start is not None:
            spec["dataStartTime"] = _iso(data_start)
        if data_end is not None:
            spec["dataEndTime"] = _iso(data_end)
        if options:
            spec["reportOptions"] = dict(options)
        body = self.call(seller_id, "createReport", "POST", f"{REPORTS_PATH}/reports", json_body=spec)
        return str(body["reportId"])

    def get_report(self, seller_id: str, report_id: str) -> dict[str, Any]:
        return self.call(seller_id, "getReport", "GET", f"{REPORTS_PATH}/reports/{report_id}")

    def get_reports(
        self,
        seller_id: str,
        *,
        report_types: Sequence[str],
        processing_statuses: Sequence[str] = ("DONE",),
        marketplace_ids: Sequence[str] = (),
        created_since: datetime | None = None,
        page_size: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        params: dict[str, str] = {"reportTypes": ",".join(report_types), "pageSize": str(page_size)}
        if processing_statuses:
            params["processingStatuses"] = ",".join(processing_statuses)
        if marketplace_ids:
            params["marketplaceIds"] = ",".join(marketplace_ids)
        if created_since is not None:
            params["createdSince"] = _iso(created_since)
        if next_token:
            params = {"nextToken": next_token}  # Amazon: with nextToken, no other parameter
        return self.call(seller_id, "getReports", "GET", f"{REPORTS_PATH}/reports", params=params)

    def get_report_document(self, seller_id: str, document_id: str) -> dict[str, Any]:
        return self.call(seller_id, "getReportDocument", "GET", f"{REPORTS_PATH}/documents/{document_id}")

    # --- Finances 2024-06-19 and FBA inventory -------------------------------------------------
    def list_transactions(
        self,
        seller_id: str,
        *,
        posted_after: datetime | None = None,
        posted_before: datetime | None = None,
        marketplace_id: str | None = None,
        next_token: str | None = None,
        related_order_id: str | None = None,
    ) -> dict[str, Any]:
        """By posted date, or (`related_order_id`, posted_after optional) the transactions of one order."""
        params: dict[str, str] = {}
        if posted_after is not None:
            params["postedAfter"] = _iso(posted_after)
        if related_order_id is not None:
            params["relatedIdentifierName"] = "ORDER_ID"
            params["relatedIdentifierValue"] = related_order_id
        if posted_before is not None:
            params["postedBefore"] = _iso(posted_before)
        if marketplace_id:
            params["marketplaceId"] = marketplace_id
        if next_token:
            params["nextToken"] = next_token
        return self.call(
            seller_id, "listTransactions", "GET", "/finances/2024-06-19/transactions", params=params
        )

    def get_inventory_summaries(
        self, seller_id: str, *, marketplace_id: str, next_token: str | None = None
    ) -> dict[str, Any]:
        params = {
            "details": "true",
            "granularityType": "Marketplace",
            "granularityId": marketplace_id,
            "marketplaceIds": marketplace_id,
        }
        if next_token:
            params["nextToken"] = next_token
        return self.call(
            seller_id, "getInventorySummaries", "GET", "/fba/inventory/v1/summaries", params=params
        )

    # --- Sellers v1 -----------------------------------------------------------------------------
    def get_marketplace_participations(self, seller_id: str) -> list[MarketplaceParticipation]:
        """The marketplaces the seller participates in (and its store name in each)."""
        return _participations(
            self.call(seller_id, "getMarketplaceParticipations", "GET", PARTICIPATIONS_PATH)
        )

    def participations_proven_by(
        self, refresh_token: SecretStr, *, claimed_seller_id: str
    ) -> list[MarketplaceParticipation]:
        """getMarketplaceParticipations with a refresh token not stored yet (a consent's): what the
        Amazon account behind that token shows, whatever seller id the callback claimed. The access
        token is used for this one call and cached nowhere (it must never stand for the claimed id)."""
        access = self._lwa.access_token(refresh_token, seller_id=claimed_seller_id)
        body = self.call(
            claimed_seller_id,
            "getMarketplaceParticipations",
            "GET",
            PARTICIPATIONS_PATH,
            access_token=access.value,
        )
        return _participations(body)

    # --- the one request path ------------------------------------------------------------------
    def call(
        self,
        seller_id: str,
        operation: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        access_token: SecretStr | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """`access_token` (a restricted data token) replaces the seller's LWA access token."""

        def headers() -> dict[str, str]:
            token_value = access_token or self._access_token(seller_id).value
            return {
                **(extra_headers or {}),
                "x-amz-access-token": token_value.get_secret_value(),
                "x-amz-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
                "user-agent": USER_AGENT,
            }

        response = self._exchange(
            seller_id,
            operation,
            OutgoingRequest(method, path, params=params, json_body=json_body),
            headers,
            may_refresh_token=access_token is None,  # a restricted data token is not refreshed
        )
        applied = _rate_limit(response)
        if applied is not None:
            self._pacer.observe_rate(seller_id, operation, applied)
        return _json(response)

    # --- what the SP-API says differently --------------------------------------------------------
    @override
    def _before_attempt(self, seller_id: str, operation: str) -> None:
        """Take a token from the usage-plan bucket, waiting in-call only briefly."""
        waited = 0.0
        while True:
            wait = self._pacer.reserve(seller_id, operation)
            if wait <= 0:
                return
            if waited + wait > self._max_inline_wait_s:
                self.throttles += 1
                raise SpApiThrottled(
                    f"{operation} usage plan exhausted for seller {seller_id}; next call in {wait:.0f}s",
                    operation=operation,
                    retry_after_s=wait,
                )
            self._sleep(wait)
            waited += wait

    @override
    def _throttle_wait(self, seller_id: str, operation: str, response: httpx.Response) -> ThrottleWait:
        self._pacer.throttled(seller_id, operation)
        # Wait for Amazon and for the refilled bucket; when the bucket is empty, the pacing before the
        # next attempt does the sleeping.
        bucket_wait = self._pacer.next_wait(seller_id, operation)
        return ThrottleWait(max(retry_after_s(response), bucket_wait), sleep_here=bucket_wait <= 0)

    @override
    def _refused(self, seller_id: str, operation: str, response: httpx.Response) -> NoReturn:
        status = response.status_code
        detail = _error_summary(response)
        if status == 403:
            raise SpApiAccessDenied(
                f"{operation} denied for seller {seller_id}: {detail}", operation=operation, status=status
            )
        raise SpApiBadRequest(
            f"{operation} rejected for seller {seller_id} (HTTP {status}): {detail}",
            operation=operation,
            status=status,
        )

    @override
    def _fresh_access_token(self, seller_id: str) -> AccessToken:
        # Just in time: the refresh token is decrypted only now, and only held for this exchange.
        return self._lwa.access_token(self._refresh_tokens.refresh_token(seller_id), seller_id=seller_id)


def _participations(body: dict[str, Any]) -> list[MarketplaceParticipation]:
    payload = body.get("payload")
    if not isinstance(payload, list):
        raise SpApiServerError(
            "getMarketplaceParticipations answered without a payload list",
            operation="getMarketplaceParticipations",
        )
    return [MarketplaceParticipation.model_validate(entry) for entry in payload]


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code == 204 or not response.content:
        return {}  # confirmShipment's answer has no body
    try:
        body = response.json()
    except ValueError:
        raise SpApiServerError(
            f"SP-API answered HTTP {response.status_code} with a body that is not JSON"
        ) from None
    if not isinstance(body, dict):
        raise SpApiServerError("SP-API answered with JSON that is not an object")
    return body


def _rate_limit(response: httpx.Response) -> float | None:
    value = response.headers.get("x-amzn-ratelimit-limit")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _error_summary(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors)[:300] or "no detail"
    except (ValueError, AttributeError):
        return "no detail"
