"""The one Amazon Ads port: every call to the Ads API goes through `AdsClient`.

A thin httpx client on the request path it shares with the SP-API port (`sellerflow.spapi.http`), for
the same reasons: configurable hosts (the simulator), just-in-time credentials, no token in any log,
typed errors.

- Credentials: the seller's *ads* refresh token (a separate LWA grant of the
  `advertising::campaign_management` scope) is decrypted only to get an access token; access tokens
  are cached per seller until shortly before they expire. Headers: `Authorization: Bearer`,
  `Amazon-Advertising-API-ClientId` (the LWA client id) and `Amazon-Advertising-API-Scope` (profile).
- 425 on createReport: Amazon already has this exact request pending; its id (named in the
  error's detail) is reused rather than treated as a failure.
- 429: Retry-After is honoured in-call only when it is short (`max_inline_wait_s`); otherwise
  `AdsThrottled` is raised so Step Functions does the waiting (no long sleeps in a Lambda).
- Regions: the Ads API has three hosts (NA, EU, FE), each with its own Login with Amazon token
  endpoint, and a grant given in one region reaches only that region's host. `AdsClient` talks to one
  region (its host, its LWA endpoint, the seller's refresh token of that region, its own token cache);
  `RegionalAdsClient` holds one per region and sends every call to the host of the region it names.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NoReturn, Protocol

import httpx
from pydantic import SecretStr
from typing_extensions import override

from sellerflow.amazon.ads import AdsProfile, AdsRegion, AdsReportStatus, SpCampaignsRequest
from sellerflow.errors import (
    AdsAccessDenied,
    AdsApiError,
    AdsBadRequest,
    AdsReportUrlExpired,
    AdsServerError,
    AdsThrottled,
    ConfigurationError,
    SpApiAuthorizationRevoked,
    SpApiServerError,
)
from sellerflow.observability import metrics
from sellerflow.spapi.http import (
    USER_AGENT,
    AccessTokenCache,
    AmazonHttpPort,
    OutgoingRequest,
    ThrottleWait,
    retry_after_s,
)
from sellerflow.spapi.lwa import AccessToken, LwaClient

REPORTS_PATH = "/reporting/reports"
PROFILES_PATH = "/v2/profiles"
CREATE_CONTENT_TYPE = "application/vnd.createasyncreportrequest.v3+json"
_DUPLICATE = re.compile(r"duplicate of\s*:\s*(?P<id>[A-Za-z0-9-]+)")


class AdsRefreshTokenSource(Protocol):
    def ads_refresh_token(self, seller_id: str, region: AdsRegion = ...) -> SecretStr: ...


class AdsClient(AmazonHttpPort):
    calls_metric = "AdsApiCalls"
    throttles_metric = "AdsThrottles"
    token_expired_status = 401  # an expired access token; a second 401 is a real refusal
    message_prefix = "Ads "
    document_name = "Ads report"
    throttled_error = AdsThrottled
    server_error = AdsServerError
    url_expired_error = AdsReportUrlExpired

    def __init__(
        self,
        *,
        endpoint: str,
        client_id: str | Callable[[], str],
        lwa: LwaClient,
        refresh_tokens: AdsRefreshTokenSource,
        http: httpx.Client,
        token_cache: AccessTokenCache | None = None,
        max_attempts: int = 3,
        max_inline_wait_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        region: AdsRegion = "NA",
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
        self._client_id = client_id
        self._lwa = lwa
        self._refresh_tokens = refresh_tokens
        self.region: AdsRegion = region
        self.duplicates = 0

    @property
    def lwa(self) -> LwaClient:
        """This region's Login with Amazon client (the connect flow exchanges its codes there)."""
        return self._lwa

    # --- operations ------------------------------------------------------------------------------
    def list_profiles(self, seller_id: str) -> list[AdsProfile]:
        body = self.call(seller_id, "listProfiles", "GET", PROFILES_PATH)
        if not isinstance(body, list):
            raise AdsServerError(
                "listProfiles answered with JSON that is not a list", operation="listProfiles"
            )
        return [AdsProfile.model_validate(item) for item in body]

    def list_profiles_with(self, seller_id: str, refresh_token: SecretStr) -> list[AdsProfile]:
        """The profiles a refresh token not stored yet reaches (the Amazon Ads connect callback checks
        them before storing it): same region, endpoint, LWA app and retries, its own token cache."""
        granted = AdsClient(
            endpoint=self._endpoint,
            client_id=self._client_id,
            lwa=self._lwa,
            refresh_tokens=_GivenRefreshToken(refresh_token),
            http=self._http,
            token_cache=AccessTokenCache(),
            max_attempts=self._max_attempts,
            max_inline_wait_s=self._max_inline_wait_s,
            sleep=self._sleep,
            rng=self._rng,
            region=self.region,
        )
        return granted.list_profiles(seller_id)

    def create_report(self, seller_id: str, profile_id: str, request: SpCampaignsRequest) -> tuple[str, bool]:
        """(report id, reused): a 425 duplicate answers with the pending report's id, which is reused."""
        try:
            body = self.call(
                seller_id,
                "createReport",
                "POST",
                REPORTS_PATH,
                profile_id=profile_id,
                json_body=request.body(),
                content_type=CREATE_CONTENT_TYPE,
            )
        except _Duplicate as duplicate:
            self.duplicates += 1
            metrics.add_metric(name="AdsReportDuplicates", unit="Count", value=1)
            return duplicate.report_id, True
        return str(_mapping(body)["reportId"]), False

    def get_report(self, seller_id: str, profile_id: str, report_id: str) -> AdsReportStatus:
        body = self.call(seller_id, "getReport", "GET", f"{REPORTS_PATH}/{report_id}", profile_id=profile_id)
        return AdsReportStatus.model_validate(_mapping(body))

    # --- the one request path ------------------------------------------------------------------
    def call(
        self,
        seller_id: str,
        operation: str,
        method: str,
        path: str,
        *,
        profile_id: str | None = None,
        json_body: Any = None,
        content_type: str = "application/json",
    ) -> Any:
        content: bytes | None = None
        if json_body is not None:
            content = json.dumps(json_body).encode()

        def headers() -> dict[str, str]:
            sent = {
                "Authorization": f"Bearer {self._access_token(seller_id).value.get_secret_value()}",
                "Amazon-Advertising-API-ClientId": self._client_id()
                if callable(self._client_id)
                else self._client_id,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            if profile_id is not None:
                sent["Amazon-Advertising-API-Scope"] = profile_id
            if content is not None:
                sent["Content-Type"] = content_type
            return sent

        response = self._exchange(
            seller_id, operation, OutgoingRequest(method, path, content=content), headers
        )
        return _json(response, operation)

    # --- what the Ads API says differently -------------------------------------------------------
    @override
    def _throttle_wait(self, seller_id: str, operation: str, response: httpx.Response) -> ThrottleWait:
        return ThrottleWait(retry_after_s(response))

    @override
    def _refused(self, seller_id: str, operation: str, response: httpx.Response) -> NoReturn:
        status = response.status_code
        detail = _detail(response)
        if status == 425:
            match = _DUPLICATE.search(detail)
            if match:
                raise _Duplicate(match["id"])
            raise AdsBadRequest(
                f"Ads {operation} answered 425 without a report id", operation=operation, status=425
            )
        if status in (401, 403):
            raise AdsAccessDenied(
                f"Ads {operation} refused for seller {seller_id} on the {self.region} host "
                f"(HTTP {status}): {detail}",
                operation=operation,
                status=status,
            )
        raise AdsBadRequest(
            f"Ads {operation} rejected for seller {seller_id} (HTTP {status}): {detail}",
            operation=operation,
            status=status,
        )

    @override
    def _fresh_access_token(self, seller_id: str) -> AccessToken:
        try:
            return self._lwa.access_token(
                self._refresh_tokens.ads_refresh_token(seller_id, self.region), seller_id=seller_id
            )
        except SpApiAuthorizationRevoked:
            raise AdsAccessDenied(
                f"LWA refused the Amazon Ads grant of seller {seller_id} in {self.region} (invalid_grant)",
                operation="lwa",
            ) from None
        except SpApiServerError as exc:  # an LWA outage: the Ads tasks retry the Ads errors they know
            raise AdsServerError(
                f"LWA failed for the Amazon Ads grant of seller {seller_id} in {self.region}: {exc}",
                operation="lwa",
                status=exc.status,
            ) from None


class RegionalAdsClient:
    """The Ads port over the three regional hosts: each call names its region and goes to that
    region's `AdsClient` (host, LWA endpoint, refresh token). A region without a client is a
    configuration error, never a silent fallback to another host."""

    def __init__(self, clients: Mapping[AdsRegion, AdsClient]) -> None:
        for region, client in clients.items():
            if client.region != region:
                raise ConfigurationError(f"the Ads client of {region} is configured for {client.region}")
        self._clients = dict(clients)

    def client(self, region: AdsRegion) -> AdsClient:
        try:
            return self._clients[region]
        except KeyError:
            raise ConfigurationError(f"no Amazon Ads endpoint is configured for region {region}") from None

    @property
    def duplicates(self) -> int:
        return sum(client.duplicates for client in self._clients.values())

    def list_profiles(self, seller_id: str, region: AdsRegion) -> list[AdsProfile]:
        return self.client(region).list_profiles(seller_id)

    def list_profiles_with(
        self, seller_id: str, region: AdsRegion, refresh_token: SecretStr
    ) -> list[AdsProfile]:
        return self.client(region).list_profiles_with(seller_id, refresh_token)

    def exchange_authorization_code(self, region: AdsRegion, code: str, *, redirect_uri: str) -> SecretStr:
        """A code of the region's authorize page, exchanged at that region's LWA token endpoint."""
        return self.client(region).lwa.exchange_authorization_code(code, redirect_uri=redirect_uri)

    def create_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, request: SpCampaignsRequest
    ) -> tuple[str, bool]:
        return self.client(region).create_report(seller_id, profile_id, request)

    def get_report(
        self, seller_id: str, region: AdsRegion, profile_id: str, report_id: str
    ) -> AdsReportStatus:
        return self.client(region).get_report(seller_id, profile_id, report_id)

    def download(self, url: str, *, chunk_size: int = 1 << 16) -> Iterator[bytes]:
        """A report's pre-signed URL carries its own credential: any region's client fetches it."""
        client = next(iter(self._clients.values()), None)
        if client is None:
            raise ConfigurationError("no Amazon Ads endpoint is configured")
        return client.download(url, chunk_size=chunk_size)


class _GivenRefreshToken:
    def __init__(self, refresh_token: SecretStr) -> None:
        self._refresh_token = refresh_token

    def ads_refresh_token(self, seller_id: str, region: AdsRegion = "NA") -> SecretStr:  # noqa: ARG002
        return self._refresh_token


class _Duplicate(AdsApiError):
    """Internal: a 425 naming the pending report this request duplicates."""

    def __init__(self, report_id: str) -> None:
        super().__init__(f"duplicate of report {report_id}", operation="createReport", status=425)
        self.report_id = report_id


def _json(response: httpx.Response, operation: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise AdsServerError(
            f"Ads {operation} answered a body that is not JSON", operation=operation
        ) from None


def _mapping(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise AdsServerError("the Ads API answered with JSON that is not an object")
    return body


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no detail"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("details") or body.get("message") or "no detail")[:300]
    return "no detail"
