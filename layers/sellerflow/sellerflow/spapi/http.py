"""What the SP-API and Amazon Ads ports share: one request path with retries, backoff and 429 handling,
per-seller access tokens, and streaming downloads from pre-signed URLs.

Each port says only what differs: its headers, how it waits on a 429 (the SP-API port also paces by the
usage plans), which status means "access token expired", and its typed errors.

Waiting policy: short waits (a jittered retry, a short Retry-After) happen in-call, bounded by
`max_inline_wait_s`; anything longer raises the port's throttled error so Step Functions waits for free.
"""

from __future__ import annotations

import random
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import httpx

from sellerflow.errors import SellerflowError
from sellerflow.observability import logger, metrics
from sellerflow.spapi.lwa import AccessToken

USER_AGENT = "Sellerflow/0.1 (Language=Python)"


class AccessTokenCache:
    """Access tokens per seller, kept until shortly before they expire (shared by a warm container)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._tokens: dict[str, AccessToken] = {}
        self._lock = threading.Lock()

    def get(self, seller_id: str) -> AccessToken | None:
        with self._lock:
            token = self._tokens.get(seller_id)
        if token is not None and token.valid_at(self._clock()):
            return token
        return None

    def put(self, seller_id: str, token: AccessToken) -> None:
        with self._lock:
            self._tokens[seller_id] = token

    def forget(self, seller_id: str) -> None:
        with self._lock:
            self._tokens.pop(seller_id, None)


class DocumentDownload(Iterator[bytes]):
    """The chunks of one document download. The request is sent when the first chunk is asked for;
    from then on `content_type` holds the answer's Content-Type (Amazon names the document's charset
    there, in Java's spelling: `text/plain;charset=Cp1252`)."""

    def __init__(self, chunks: Callable[[DocumentDownload], Iterator[bytes]]) -> None:
        self.content_type: str | None = None
        self._chunks = chunks(self)

    def __iter__(self) -> DocumentDownload:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)


@dataclass(frozen=True)
class OutgoingRequest:
    """One call to send (again on each attempt, with fresh headers)."""

    method: str
    path: str
    params: Mapping[str, str] | None = None
    json_body: Any = None  # sent by httpx as JSON
    content: bytes | None = None  # sent as it is (a port that sets its own Content-Type)


@dataclass(frozen=True)
class ThrottleWait:
    """How a port answers a 429: the seconds to wait, and whether to sleep them here (False when a
    pacer already sleeps before the next attempt)."""

    seconds: float
    sleep_here: bool = True


class AmazonHttpPort(ABC):
    """The request path of an Amazon HTTP API, per seller, with the port's credentials."""

    calls_metric: ClassVar[str]
    throttles_metric: ClassVar[str]
    # The status that means the cached access token expired: forget it and refresh once.
    token_expired_status: ClassVar[int]
    # Names in error messages: "" or "Ads " before the operation; what a download fetches.
    message_prefix: ClassVar[str] = ""
    document_name: ClassVar[str]
    # Operations that are never sent twice after a 5xx or no answer: they would act twice (a purchase
    # without an idempotency key); the caller gets the server error at once and decides.
    not_retried: ClassVar[frozenset[str]] = frozenset()
    # The port's typed errors, constructed as (message, *, operation=..., status=... | retry_after_s=...):
    # a long wait handed to the caller (Step Functions retries on it); no answer, a 5xx after the last
    # attempt or an unreadable body; a pre-signed URL that expired (the caller asks for a new one).
    throttled_error: ClassVar[Callable[..., SellerflowError]]
    server_error: ClassVar[Callable[..., SellerflowError]]
    url_expired_error: ClassVar[Callable[..., SellerflowError]]

    def __init__(
        self,
        *,
        endpoint: str,
        http: httpx.Client,
        token_cache: AccessTokenCache | None,
        max_attempts: int,
        max_inline_wait_s: float,
        sleep: Callable[[float], None],
        rng: random.Random | None,
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._http = http
        self._tokens = token_cache or AccessTokenCache()
        self._max_attempts = max(1, max_attempts)
        self._max_inline_wait_s = max_inline_wait_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.calls = 0
        self.throttles = 0

    # --- what each port says ---------------------------------------------------------------------
    @abstractmethod
    def _fresh_access_token(self, seller_id: str) -> AccessToken:
        """Exchange the seller's refresh token (decrypted just in time) for an access token."""

    @abstractmethod
    def _throttle_wait(self, seller_id: str, operation: str, response: httpx.Response) -> ThrottleWait:
        """How long Amazon (and the port's own pacing) asks to wait after this 429."""

    @abstractmethod
    def _refused(self, seller_id: str, operation: str, response: httpx.Response) -> NoReturn:
        """Raise the typed error for an answer that retrying will not change (4xx)."""

    def _before_attempt(self, seller_id: str, operation: str) -> None:  # noqa: B027 - an optional hook
        """Runs before every attempt (the SP-API port paces here); other ports send at once."""

    # --- shared ---------------------------------------------------------------------------------
    def download(self, url: str, *, chunk_size: int = 1 << 16) -> DocumentDownload:
        """Stream a document from its pre-signed URL (no credentials are sent).

        Raises the port's URL-expired error when the URL's minutes are over: ask for the document again.
        """
        return DocumentDownload(lambda download: self._stream_document(url, chunk_size, download))

    def _stream_document(self, url: str, chunk_size: int, download: DocumentDownload) -> Iterator[bytes]:
        with self._http.stream("GET", url) as response:
            if response.status_code == 403:
                response.read()
                raise self.url_expired_error(f"the {self.document_name} URL has expired or was refused")
            if response.status_code >= 400:
                raise self.server_error(f"{self.document_name} download answered HTTP {response.status_code}")
            download.content_type = response.headers.get("content-type")
            yield from response.iter_bytes(chunk_size)

    def _access_token(self, seller_id: str) -> AccessToken:
        token = self._tokens.get(seller_id)
        if token is None:
            token = self._fresh_access_token(seller_id)
            self._tokens.put(seller_id, token)
            logger.debug(
                f"{self.message_prefix.lower()}access token refreshed", extra={"seller_id": seller_id}
            )
        return token

    def _exchange(
        self,
        seller_id: str,
        operation: str,
        request: OutgoingRequest,
        headers: Callable[[], dict[str, str]],
        *,
        may_refresh_token: bool = True,
    ) -> httpx.Response:
        """Send until Amazon gives an answer that retrying will not change: return a 2xx response,
        or raise the port's typed error. `headers` is asked again on every attempt."""
        refreshed = not may_refresh_token
        attempt = 0
        while True:
            attempt += 1
            response = self._attempt(seller_id, operation, request, headers, attempt)
            if response is None:
                continue
            status = response.status_code
            if status < 300:
                return response
            if status == self.token_expired_status and not refreshed:
                self._tokens.forget(seller_id)
                refreshed = True
                continue
            if status == 429:
                self._wait_after_throttle(seller_id, operation, response, attempt)
                continue
            if status >= 500:
                self._back_off_or_raise(
                    attempt,
                    f"{self.message_prefix}{operation} for seller {seller_id} failed with HTTP {status}"
                    f" after {attempt} attempts",
                    operation=operation,
                    status=status,
                )
                continue
            self._refused(seller_id, operation, response)

    def _attempt(
        self,
        seller_id: str,
        operation: str,
        request: OutgoingRequest,
        headers: Callable[[], dict[str, str]],
        attempt: int,
    ) -> httpx.Response | None:
        """One attempt; None when there was no answer and a retry is due."""
        self._before_attempt(seller_id, operation)
        sent_headers = headers()
        self.calls += 1
        metrics.add_metric(name=self.calls_metric, unit="Count", value=1)
        try:
            return self._http.request(
                request.method,
                f"{self._endpoint}{request.path}",
                params=request.params,
                json=request.json_body,
                content=request.content,
                headers=sent_headers,
            )
        except httpx.HTTPError as exc:
            self._back_off_or_raise(
                attempt,
                f"{self.message_prefix}{operation} for seller {seller_id}: no answer ({type(exc).__name__})",
                operation=operation,
            )
            return None

    def _wait_after_throttle(
        self, seller_id: str, operation: str, response: httpx.Response, attempt: int
    ) -> None:
        """Wait in-call only when Amazon allows a retry soon; otherwise hand the wait on now rather
        than sleep and then give up."""
        self.throttles += 1
        metrics.add_metric(name=self.throttles_metric, unit="Count", value=1)
        wait = self._throttle_wait(seller_id, operation, response)
        if attempt < self._max_attempts and wait.seconds <= self._max_inline_wait_s:
            if wait.sleep_here:
                self._sleep(wait.seconds or self._jitter(attempt))
            return
        raise self.throttled_error(
            f"{self.message_prefix}{operation} throttled for seller {seller_id}; "
            f"retry after {wait.seconds:.0f}s",
            operation=operation,
            retry_after_s=wait.seconds,
        )

    def _back_off_or_raise(
        self, attempt: int, message: str, *, operation: str, status: int | None = None
    ) -> None:
        if attempt < self._max_attempts and operation not in self.not_retried:
            self._sleep(self._jitter(attempt))
            return
        raise self.server_error(message, operation=operation, status=status) from None

    def _jitter(self, attempt: int) -> float:
        return self._rng.uniform(0, min(self._max_inline_wait_s, 0.25 * 2**attempt))


def retry_after_s(response: httpx.Response) -> float:
    """Amazon's Retry-After in seconds (0 when absent or unreadable)."""
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0
