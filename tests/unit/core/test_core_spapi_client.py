"""SpApiClient: pacing, the access-token cache, typed errors and retries, all over a mock transport."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from pydantic import SecretStr

from sellerflow.errors import (
    SpApiAccessDenied,
    SpApiBadRequest,
    SpApiError,
    SpApiServerError,
    SpApiThrottled,
)
from sellerflow.spapi.client import ORDERS_PATH, AccessTokenCache, SpApiClient
from sellerflow.spapi.lwa import AppCredentials, LwaClient
from sellerflow.spapi.pacing import Pacer

API = "https://spapi.test"
LWA = "https://lwa.test/auth/o2/token"
SELLER = "A1SELLER0001"
REFRESH_TOKEN = "Atzr|REFRESH-SECRET-VALUE"
CLIENT_SECRET = "amzn1.oa2-cs.v1.CLIENT-SECRET"

Responder = Callable[[httpx.Request], httpx.Response]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """Records every wait and advances the fake clock instead of sleeping."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.now += seconds


class CountingRefreshTokens:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def refresh_token(self, seller_id: str) -> SecretStr:
        self.calls.append(seller_id)
        return SecretStr(REFRESH_TOKEN)


class StaticApp:
    def app_credentials(self) -> AppCredentials:
        return AppCredentials(
            client_id="amzn1.application-oa2-client.test", client_secret=SecretStr(CLIENT_SECRET)
        )


class NoPacing:
    """A pacer that always lets the call through and records 429 drains."""

    def __init__(self) -> None:
        self.drained: list[tuple[str, str]] = []

    def reserve(self, seller_id: str, operation: str) -> float:
        return 0.0

    def next_wait(self, seller_id: str, operation: str) -> float:
        return 0.0

    def throttled(self, seller_id: str, operation: str) -> None:
        self.drained.append((seller_id, operation))

    def observe_rate(self, seller_id: str, operation: str, rate_per_s: float) -> None:
        """Amazon's x-amzn-RateLimit-Limit is irrelevant to a pacer that never waits."""


class Amazon:
    """The mock transport: LWA mints numbered access tokens; the API answers from a script."""

    def __init__(self) -> None:
        self.script: list[Responder | httpx.Response] = []
        self.api_requests: list[httpx.Request] = []
        self.lwa_requests: list[dict[str, list[str]]] = []
        self.expires_in = 3600
        self.minted = 0

    def answer(self, *responses: Responder | httpx.Response) -> None:
        self.script.extend(responses)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == LWA:
            self.lwa_requests.append(parse_qs(request.content.decode()))
            self.minted += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"Atza|ACCESS-{self.minted}",
                    "token_type": "bearer",
                    "expires_in": self.expires_in,
                },
            )
        assert str(request.url).startswith(API), request.url
        self.api_requests.append(request)
        step = self.script.pop(0) if self.script else httpx.Response(200, json={"orders": []})
        return step(request) if callable(step) else step

    @property
    def tokens_sent(self) -> list[str]:
        return [r.headers["x-amz-access-token"] for r in self.api_requests]


@pytest.fixture(autouse=True)
def _forbid_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(seconds: float) -> None:
        raise AssertionError(f"a unit test tried to really sleep {seconds}s")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sleep(clock: Clock) -> RecordingSleep:
    return RecordingSleep(clock)


@pytest.fixture
def amazon() -> Amazon:
    return Amazon()


@pytest.fixture
def refresh_tokens() -> CountingRefreshTokens:
    return CountingRefreshTokens()


@pytest.fixture
def make_client(
    amazon: Amazon, clock: Clock, sleep: RecordingSleep, refresh_tokens: CountingRefreshTokens
) -> Callable[..., SpApiClient]:
    def build(*, pacer: Any = None, max_attempts: int = 3, max_inline_wait_s: float = 2.0) -> SpApiClient:
        http = httpx.Client(transport=httpx.MockTransport(amazon))
        return SpApiClient(
            endpoint=API + "/",
            lwa=LwaClient(LWA, StaticApp(), http, monotonic=clock),
            refresh_tokens=refresh_tokens,
            http=http,
            token_cache=AccessTokenCache(clock=clock),
            pacer=pacer if pacer is not None else NoPacing(),
            max_attempts=max_attempts,
            max_inline_wait_s=max_inline_wait_s,
            sleep=sleep,
            rng=random.Random(7),
        )

    return build


@pytest.fixture
def client(make_client: Callable[..., SpApiClient]) -> SpApiClient:
    return make_client()


def _search(client: SpApiClient, **kwargs: Any) -> Any:
    return client.search_orders(SELLER, last_updated_after=datetime(2026, 3, 1, tzinfo=UTC), **kwargs)


def _no_secret_in(exc: BaseException) -> None:
    text = str(exc) + repr(exc.args)
    for secret in ("Atza|", "Atzr|", REFRESH_TOKEN, CLIENT_SECRET, "ACCESS-"):
        assert secret not in text


# --- search_orders: the request it sends --------------------------------------------------------
def test_search_orders_sends_comma_joined_lists_and_the_window(client: SpApiClient, amazon: Amazon) -> None:
    # Given Amazon answers one page with a next token
    amazon.answer(
        httpx.Response(200, json={"orders": [{"orderId": "1"}], "pagination": {"nextToken": "NT-2"}})
    )
    # When a page is asked for with two marketplaces, a window and a pagination token
    page = client.search_orders(
        SELLER,
        last_updated_after=datetime(2026, 3, 1, 10, 0, 0, tzinfo=UTC),
        last_updated_before=datetime(2026, 3, 1, 11, 58, 0, tzinfo=UTC),
        marketplace_ids=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
        fulfillment_statuses=["SHIPPED", "UNSHIPPED"],
        included_data=["PROCEEDS", "FULFILLMENT"],
        max_results_per_page=50,
        pagination_token="NT-1",
    )
    # Then the query names everything comma-joined and the page comes back typed
    (request,) = amazon.api_requests
    assert request.method == "GET"
    assert request.url.path == ORDERS_PATH
    assert dict(request.url.params) == {
        "lastUpdatedAfter": "2026-03-01T10:00:00Z",
        "lastUpdatedBefore": "2026-03-01T11:58:00Z",
        "maxResultsPerPage": "50",
        "marketplaceIds": "ATVPDKIKX0DER,A2EUQ1WTGCTBG2",
        "fulfillmentStatuses": "SHIPPED,UNSHIPPED",
        "includedData": "PROCEEDS,FULFILLMENT",
        "paginationToken": "NT-1",
    }
    assert page.orders == [{"orderId": "1"}]
    assert page.next_token == "NT-2"


def test_first_page_sends_no_pagination_token_nor_upper_bound(client: SpApiClient, amazon: Amazon) -> None:
    page = _search(client)
    params = amazon.api_requests[0].url.params
    assert "paginationToken" not in params
    assert "lastUpdatedBefore" not in params
    assert params["includedData"] == "PROCEEDS,FULFILLMENT,PROMOTION"
    assert page.next_token is None
    assert page.orders == []


def test_times_are_sent_in_utc_whatever_zone_they_were_given_in(client: SpApiClient, amazon: Amazon) -> None:
    from zoneinfo import ZoneInfo

    client.search_orders(
        SELLER, last_updated_after=datetime(2026, 3, 2, 1, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    )
    assert amazon.api_requests[0].url.params["lastUpdatedAfter"] == "2026-03-01T16:30:00Z"


def test_get_order_returns_the_order_and_asks_for_included_data(client: SpApiClient, amazon: Amazon) -> None:
    amazon.answer(httpx.Response(200, json={"order": {"orderId": "111-1"}}))
    order = client.get_order(SELLER, "111-1", included_data=["PROCEEDS", "PROMOTION"])
    assert order == {"orderId": "111-1"}
    request = amazon.api_requests[0]
    assert request.url.path == f"{ORDERS_PATH}/111-1"
    assert request.url.params["includedData"] == "PROCEEDS,PROMOTION"


# --- access tokens -------------------------------------------------------------------------------
def test_the_access_token_is_sent_and_cached_between_calls(
    client: SpApiClient, amazon: Amazon, refresh_tokens: CountingRefreshTokens
) -> None:
    # When two calls are made for the same seller
    _search(client)
    _search(client)
    # Then LWA was asked once, the refresh token decrypted once, and both calls carried the same token
    assert len(amazon.lwa_requests) == 1
    assert refresh_tokens.calls == [SELLER]
    assert amazon.tokens_sent == ["Atza|ACCESS-1", "Atza|ACCESS-1"]
    assert client.calls == 2


def test_lwa_is_asked_with_the_refresh_token_grant(client: SpApiClient, amazon: Amazon) -> None:
    _search(client)
    (form,) = amazon.lwa_requests
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == [REFRESH_TOKEN]
    assert form["client_id"] == ["amzn1.application-oa2-client.test"]
    assert form["client_secret"] == [CLIENT_SECRET]


def test_the_refresh_token_is_fetched_again_only_once_the_access_token_expires(
    client: SpApiClient, amazon: Amazon, clock: Clock, refresh_tokens: CountingRefreshTokens
) -> None:
    # Given an access token valid for 300 s (kept until 60 s before expiry)
    amazon.expires_in = 300
    _search(client)
    clock.now += 239
    _search(client)
    assert refresh_tokens.calls == [SELLER]
    # When the margin is reached
    clock.now += 2
    _search(client)
    # Then a new access token is minted just in time
    assert refresh_tokens.calls == [SELLER, SELLER]
    assert amazon.tokens_sent == ["Atza|ACCESS-1", "Atza|ACCESS-1", "Atza|ACCESS-2"]


def test_each_seller_has_its_own_access_token(
    client: SpApiClient, amazon: Amazon, refresh_tokens: CountingRefreshTokens
) -> None:
    _search(client)
    client.search_orders("B2SELLER0002", last_updated_after=datetime(2026, 3, 1, tzinfo=UTC))
    assert refresh_tokens.calls == [SELLER, "B2SELLER0002"]
    assert amazon.tokens_sent == ["Atza|ACCESS-1", "Atza|ACCESS-2"]


def test_a_403_forgets_the_token_and_refreshes_exactly_once(
    client: SpApiClient, amazon: Amazon, refresh_tokens: CountingRefreshTokens
) -> None:
    # Given Amazon rejects the cached token once
    amazon.answer(httpx.Response(403, json={"errors": [{"code": "Unauthorized", "message": "expired"}]}))
    amazon.answer(httpx.Response(200, json={"orders": [{"orderId": "9"}]}))
    # When a page is asked for
    page = _search(client)
    # Then a fresh token is minted and the call succeeds with it
    assert page.orders == [{"orderId": "9"}]
    assert amazon.tokens_sent == ["Atza|ACCESS-1", "Atza|ACCESS-2"]
    assert refresh_tokens.calls == [SELLER, SELLER]


def test_a_403_with_a_fresh_token_is_access_denied_without_the_token_in_the_message(
    client: SpApiClient, amazon: Amazon
) -> None:
    denied = httpx.Response(
        403, json={"errors": [{"code": "Unauthorized", "message": "Access to requested resource is denied."}]}
    )
    amazon.answer(denied, denied, denied)
    with pytest.raises(SpApiAccessDenied) as raised:
        _search(client)
    assert raised.value.status == 403
    assert raised.value.operation == "searchOrders"
    assert "Unauthorized: Access to requested resource is denied." in str(raised.value)
    assert SELLER in str(raised.value)
    assert len(amazon.api_requests) == 2  # one refresh, never a loop
    assert len(amazon.lwa_requests) == 2
    _no_secret_in(raised.value)


# --- 429 ------------------------------------------------------------------------------------------
def test_a_short_retry_after_is_waited_inline_then_retried(
    make_client: Callable[..., SpApiClient], amazon: Amazon, sleep: RecordingSleep
) -> None:
    pacer = NoPacing()
    client = make_client(pacer=pacer)
    amazon.answer(
        httpx.Response(429, headers={"retry-after": "1.5"}), httpx.Response(200, json={"orders": []})
    )
    _search(client)
    assert sleep.waits == [1.5]
    assert len(amazon.api_requests) == 2
    assert client.throttles == 1
    assert pacer.drained == [(SELLER, "searchOrders")]


def test_a_429_without_retry_after_waits_a_bounded_jitter(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep
) -> None:
    amazon.answer(httpx.Response(429), httpx.Response(200, json={"orders": []}))
    _search(client)
    (wait,) = sleep.waits
    assert 0 <= wait <= 0.25 * 2**1


def test_a_long_retry_after_raises_throttled_without_waiting(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep
) -> None:
    # Given Amazon asks for a wait longer than the inline budget
    amazon.answer(httpx.Response(429, headers={"retry-after": "30"}))
    # When a page is asked for
    with pytest.raises(SpApiThrottled) as raised:
        _search(client)
    # Then Step Functions gets to wait, not the Lambda
    assert raised.value.retry_after_s == 30.0
    assert raised.value.status == 429
    assert raised.value.operation == "searchOrders"
    assert sleep.waits == []
    assert len(amazon.api_requests) == 1
    _no_secret_in(raised.value)


def test_short_429s_on_every_attempt_end_in_throttled(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep
) -> None:
    amazon.answer(*[httpx.Response(429, headers={"retry-after": "1"}) for _ in range(3)])
    with pytest.raises(SpApiThrottled):
        _search(client)
    assert len(amazon.api_requests) == 3
    assert sleep.waits == [1.0, 1.0]
    assert client.throttles == 3


@pytest.mark.parametrize("header", ["soon", "-5"])
def test_an_unreadable_or_negative_retry_after_counts_as_zero(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep, header: str
) -> None:
    amazon.answer(
        httpx.Response(429, headers={"retry-after": header}), httpx.Response(200, json={"orders": []})
    )
    _search(client)
    (wait,) = sleep.waits
    assert 0 <= wait <= 2.0


# --- 5xx and the network -------------------------------------------------------------------------
def test_a_5xx_is_retried_with_jitter_then_succeeds(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep
) -> None:
    amazon.answer(
        httpx.Response(503), httpx.Response(500), httpx.Response(200, json={"orders": [{"orderId": "1"}]})
    )
    page = _search(client)
    assert page.orders == [{"orderId": "1"}]
    assert len(sleep.waits) == 2
    assert all(0 <= w <= 2.0 for w in sleep.waits)
    assert len(set(sleep.waits)) == 2  # jittered, not a fixed delay


def test_5xx_on_every_attempt_is_a_server_error(client: SpApiClient, amazon: Amazon) -> None:
    amazon.answer(*[httpx.Response(503) for _ in range(3)])
    with pytest.raises(SpApiServerError) as raised:
        _search(client)
    assert raised.value.status == 503
    assert "after 3 attempts" in str(raised.value)
    assert len(amazon.api_requests) == 3
    _no_secret_in(raised.value)


def test_max_attempts_bounds_the_retries(make_client: Callable[..., SpApiClient], amazon: Amazon) -> None:
    client = make_client(max_attempts=1)
    amazon.answer(httpx.Response(500), httpx.Response(200, json={"orders": []}))
    with pytest.raises(SpApiServerError):
        _search(client)
    assert len(amazon.api_requests) == 1


def test_a_purchase_without_idempotency_key_is_never_sent_twice(client: SpApiClient, amazon: Amazon) -> None:
    # Merchant Fulfillment's createShipment: a 5xx may have bought the label; a retry would buy another
    amazon.answer(httpx.Response(500), httpx.Response(200, json={"payload": {}}))
    with pytest.raises(SpApiServerError):
        client.create_mfn_shipment(
            "A1", {"ShippingServiceId": "X"}, restricted_data_token=SecretStr("Atz.sprdt|t")
        )
    assert len(amazon.api_requests) == 1
    assert amazon.api_requests[0].headers["x-amz-access-token"] == "Atz.sprdt|t"


def test_no_answer_at_all_is_a_server_error_naming_the_failure(client: SpApiClient, amazon: Amazon) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    amazon.answer(refuse, refuse, refuse)
    with pytest.raises(SpApiServerError) as raised:
        _search(client)
    assert "no answer (ConnectError)" in str(raised.value)
    assert len(amazon.api_requests) == 3
    _no_secret_in(raised.value)


def test_a_success_that_is_not_json_is_a_server_error(client: SpApiClient, amazon: Amazon) -> None:
    amazon.answer(httpx.Response(200, text="<html>gateway</html>"))
    with pytest.raises(SpApiServerError, match="not JSON"):
        _search(client)


def test_a_success_that_is_a_json_list_is_a_server_error(client: SpApiClient, amazon: Amazon) -> None:
    amazon.answer(httpx.Response(200, json=[1, 2]))
    with pytest.raises(SpApiServerError, match="not an object"):
        _search(client)


# --- 4xx -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [400, 404])
def test_a_bad_request_is_not_retried_and_says_what_amazon_said(
    client: SpApiClient, amazon: Amazon, sleep: RecordingSleep, status: int
) -> None:
    amazon.answer(
        httpx.Response(
            status, json={"errors": [{"code": "InvalidInput", "message": "lastUpdatedBefore too late"}]}
        )
    )
    with pytest.raises(SpApiBadRequest) as raised:
        _search(client)
    assert raised.value.status == status
    assert f"HTTP {status}" in str(raised.value)
    assert "InvalidInput: lastUpdatedBefore too late" in str(raised.value)
    assert len(amazon.api_requests) == 1
    assert sleep.waits == []
    _no_secret_in(raised.value)


def test_a_bad_request_without_a_json_body_says_no_detail(client: SpApiClient, amazon: Amazon) -> None:
    amazon.answer(httpx.Response(400, text="nope"))
    with pytest.raises(SpApiBadRequest, match="no detail"):
        _search(client)


def test_every_typed_error_is_an_spapi_error() -> None:
    for cls in (SpApiThrottled, SpApiServerError, SpApiBadRequest, SpApiAccessDenied):
        assert issubclass(cls, SpApiError)


# --- pacing through the client -------------------------------------------------------------------
def test_an_exhausted_usage_plan_raises_before_any_request(
    make_client: Callable[..., SpApiClient], amazon: Amazon, clock: Clock, sleep: RecordingSleep
) -> None:
    # Given searchOrders' burst of 20 is spent
    client = make_client(pacer=Pacer(clock=clock))
    for _ in range(20):
        _search(client)
    # When a 21st call is made at once
    with pytest.raises(SpApiThrottled) as raised:
        _search(client)
    # Then no request is made and the wait (1 / 0.0056 s) is handed to Step Functions
    assert len(amazon.api_requests) == 20
    assert raised.value.retry_after_s == pytest.approx(1 / 0.0056)
    assert "usage plan exhausted" in str(raised.value)
    assert sleep.waits == []


def test_a_short_pacing_wait_is_slept_inline(
    make_client: Callable[..., SpApiClient], amazon: Amazon, clock: Clock, sleep: RecordingSleep
) -> None:
    # getOrder: burst 30, 0.5 requests/s -> the 31st call waits 2 s (within the inline budget)
    client = make_client(pacer=Pacer(clock=clock))
    amazon.answer(*[httpx.Response(200, json={"order": {"orderId": "1"}}) for _ in range(31)])
    for _ in range(31):
        client.get_order(SELLER, "1")
    assert sleep.waits == [pytest.approx(2.0)]
    assert len(amazon.api_requests) == 31


def test_a_paced_call_always_takes_a_token_from_the_bucket(
    make_client: Callable[..., SpApiClient], amazon: Amazon, clock: Clock
) -> None:
    # Given searchOrders' burst is spent and 176.602 s have refilled just under one token
    clock.now = 0.0
    client = make_client(pacer=Pacer(clock=clock))
    for _ in range(20):
        _search(client)
    clock.now += 176.602
    # When one call waits inline for the rest of its token and goes out
    _search(client)
    assert len(amazon.api_requests) == 21
    # Then the bucket is empty again: the next immediate call must wait ~3 minutes
    with pytest.raises(SpApiThrottled):
        _search(client)
    assert len(amazon.api_requests) == 21


def test_a_throttled_search_never_sleeps_only_to_give_up(
    make_client: Callable[..., SpApiClient], amazon: Amazon, clock: Clock, sleep: RecordingSleep
) -> None:
    # Given the real pacer and a 429 with a short Retry-After on searchOrders
    client = make_client(pacer=Pacer(clock=clock))
    amazon.answer(httpx.Response(429, headers={"retry-after": "1"}), httpx.Response(200, json={"orders": []}))
    # When a page is asked for
    try:
        _search(client)
        gave_up = False
    except SpApiThrottled:
        gave_up = True
    # Then the client either retried after its wait, or gave up at once without waiting
    assert (not gave_up and len(amazon.api_requests) == 2) or (gave_up and sleep.waits == [])
