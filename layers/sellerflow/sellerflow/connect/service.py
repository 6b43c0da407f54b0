"""The website authorization workflow: start a connection, complete it on the callback, read it.

    start     sign a `state` for the signed-in user, store its nonce (10 min TTL), and build the
              Seller Central consent URL (application_id, state, redirect_uri[, version=beta]).
    complete  verify the state (signature, expiry, user) -> consume its nonce (conditional delete:
              a replay fails) -> exchange spapi_oauth_code (LWA authorization_code grant, same
              redirect_uri) -> getMarketplaceParticipations with the new token (before it is stored:
              what Amazon account it reaches) -> for a known seller, the identity proof below ->
              store the refresh token envelope-encrypted -> the seller's profile (store name,
              participating marketplaces), dated authorization (a year) and sync cadence -> the
              caller becomes owner -> audit -> start the first seller-sync execution (named like
              the fanout's: seller + window). Right after the
              token is stored, the seller is subscribed to Amazon's notifications (push); a
              subscribed seller is polled at the slower push cadence, and a failure to subscribe is
              logged, never fatal (polling is the safety net).

Reconnect rules (a seller Sellerflow already knows) — the callback's selling_partner_id comes
through the browser and can be edited, so a claim of a known id must be proven:
- the caller must be an owner of it (CONNECTION_MANAGE); a non-member is refused with
  `SellerAlreadyConnected` (409) before the code is even exchanged, and the attempt is written to
  that seller's audit chain (`connection.claim_refused`) for its owners to see: consenting in Seller
  Central proves control of *an* Amazon account, never of the id typed into the callback, so it
  never grants access to a team that already exists — an owner invites instead;
- the new token must reach the same Amazon account (`sellerflow.connect.identity`: its
  participations show a stored marketplace under the stored store name); otherwise
  `SellerIdentityMismatch` (409), audited as `connection.identity_mismatch`, and the stored token,
  profile and team are left as they were (an owner who consented as another account cannot swap
  that account's data into this seller);
- a seller being erased cannot be reconnected until the erasure is over (409);
- otherwise: the new refresh token replaces the old one, a revoked, lapsed or disconnected seller
  is active again, the authorization is dated anew (a year from now), the seller keeps its cadence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import urlencode

from pydantic import SecretBytes, SecretStr

from sellerflow.amazon.spapi import MarketplaceParticipation
from sellerflow.connect.identity import describe, is_same_seller
from sellerflow.connect.models import (
    AdsConnectionOut,
    ConnectCallbackIn,
    ConnectCallbackOut,
    ConnectionOut,
    ConnectStartOut,
    SyncExecutionOut,
)
from sellerflow.connect.state import StateSigner
from sellerflow.connect.status import authorization_expiry, classify, connection_status
from sellerflow.domain import (
    AdsAuthorization,
    Membership,
    Role,
    SellerConnection,
    SellerProfile,
    SellerStatus,
    SyncState,
)
from sellerflow.errors import (
    AuthorizationCodeRejected,
    ConfigurationError,
    ConnectStateRejected,
    Forbidden,
    SellerAlreadyConnected,
    SellerflowError,
    SellerIdentityMismatch,
    SpApiAuthorizationRevoked,
    SpApiBadRequest,
)
from sellerflow.observability import logger, metrics
from sellerflow.sync.fanout import WorkflowStarter, start_seller_sync, sync_window
from sellerflow.sync.models import StartSellerSyncInput

CALLBACK_PAGE = "/connect-callback.html"


class StateKeySource(Protocol):
    def state_key(self) -> SecretBytes: ...


class NonceStore(Protocol):
    def put_nonce(self, nonce: str, *, user_binding: str, expires_at: datetime) -> None: ...

    def consume_nonce(self, nonce: str, *, user_binding: str, now: datetime) -> bool: ...


class CodeExchanger(Protocol):
    def exchange_authorization_code(self, code: str, *, redirect_uri: str | None = None) -> SecretStr: ...


class TokenVault(Protocol):
    def store_refresh_token(self, seller_id: str, refresh_token: SecretStr) -> None: ...


class ParticipationsReader(Protocol):
    def participations_proven_by(
        self, refresh_token: SecretStr, *, claimed_seller_id: str
    ) -> list[MarketplaceParticipation]: ...


class Connections(Protocol):
    def find(self, seller_id: str) -> SellerConnection | None: ...

    def connection(self, seller_id: str) -> SellerConnection: ...

    def record_authorization(
        self,
        seller_id: str,
        *,
        name: str,
        marketplace_ids: list[str],
        authorized_at: datetime,
        expires_at: datetime,
        sync_every_minutes: int,
    ) -> SellerProfile: ...


class Members(Protocol):
    def membership(self, seller_id: str, user_sub: str) -> Membership | None: ...

    def add_member(
        self, seller_id: str, user_sub: str, role: Role, *, email: str | None = None
    ) -> Membership: ...

    def sync_state(self, seller_id: str, source: str = "orders") -> SyncState: ...

    def profiles(self, seller_ids: Iterable[str]) -> list[SellerProfile]: ...


class AuditTrail(Protocol):
    def record(self, seller_id: str, actor_sub: str, action: str, resource: str) -> object: ...


class PushSubscriber(Protocol):
    def subscribe(self, seller_id: str) -> object: ...


class AdsAuthorizations(Protocol):
    def ads_authorization(self, seller_id: str) -> AdsAuthorization: ...


@dataclass(frozen=True)
class ConnectConfig:
    application_id: str
    consent_url: str
    web_origin: str
    draft_app: bool = False
    state_ttl: timedelta = timedelta(minutes=10)
    valid_days: int = 365
    warning_days: int = 30
    sync_every_minutes: int = 15
    # A seller subscribed to Amazon's notifications is polled this much less often (None: as above):
    # push brings changes at once, the poll only repairs what a lost notification missed.
    push_sync_every_minutes: int | None = None
    window_minutes: int = 15

    @property
    def redirect_uri(self) -> str:
        return self.web_origin.rstrip("/") + CALLBACK_PAGE


@dataclass(frozen=True)
class ConnectUser:
    """The signed-in user the flow is for (the API's `Caller`, reduced to what it needs)."""

    sub: str
    email: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ConnectService:
    def __init__(
        self,
        *,
        config: ConnectConfig,
        keys: StateKeySource,
        nonces: NonceStore,
        lwa: CodeExchanger,
        vault: TokenVault,
        participations: ParticipationsReader,
        connections: Connections,
        members: Members,
        starter: WorkflowStarter,
        audit: AuditTrail,
        ads: AdsAuthorizations | None = None,
        push: PushSubscriber | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        """`ads` reads the seller's Amazon Ads grant for `connection` (without it: not connected);
        `push` subscribes a connected seller to Amazon's notifications (without it: polling only)."""
        self._config = config
        self._ads = ads
        self._push = push
        self._keys = keys
        self._nonces = nonces
        self._lwa = lwa
        self._vault = vault
        self._participations = participations
        self._connections = connections
        self._members = members
        self._starter = starter
        self._audit = audit
        self._clock = clock

    def _signer(self) -> StateSigner:
        return StateSigner(self._keys.state_key(), ttl=self._config.state_ttl)

    # --- start ---------------------------------------------------------------------------------
    def start(self, user: ConnectUser, *, seller_hint: str | None = None) -> ConnectStartOut:
        """`seller_hint` preselects the selling account on the consent page (the simulator's
        `seller` parameter; Seller Central ignores it)."""
        config = self._config
        if not config.application_id or not config.consent_url or not config.web_origin:
            raise ConfigurationError(
                "connecting Amazon needs SPAPI_APPLICATION_ID, SPAPI_CONSENT_URL and WEB_ORIGIN"
            )
        signer = self._signer()
        issued = signer.issue(user.sub, now=self._clock())
        self._nonces.put_nonce(
            issued.claims.nonce, user_binding=issued.claims.user_binding, expires_at=issued.claims.expires_at
        )
        params = {
            "application_id": config.application_id,
            "state": issued.value,
            "redirect_uri": config.redirect_uri,
        }
        if config.draft_app:
            params["version"] = "beta"
        if seller_hint:
            params["seller"] = seller_hint
        separator = "&" if "?" in config.consent_url else "?"
        metrics.add_metric(name="ConnectStarted", unit="Count", value=1)
        return ConnectStartOut(
            authorize_url=f"{config.consent_url}{separator}{urlencode(params)}",
            expires_at=issued.claims.expires_at,
        )

    # --- complete ------------------------------------------------------------------------------
    def complete(self, user: ConnectUser, callback: ConnectCallbackIn) -> ConnectCallbackOut:
        now = self._clock()
        claims = self._signer().verify(callback.state, user.sub, now=now)
        if not self._nonces.consume_nonce(claims.nonce, user_binding=claims.user_binding, now=now):
            metrics.add_metric(name="ConnectStateReplayed", unit="Count", value=1)
            raise ConnectStateRejected("the state was already used (or has expired); connect again")
        seller_id = callback.selling_partner_id
        existing = self._connections.find(seller_id)
        self._check_claim(user, seller_id, existing)
        try:
            refresh_token = self._lwa.exchange_authorization_code(
                callback.spapi_oauth_code, redirect_uri=self._config.redirect_uri
            )
        except (SpApiAuthorizationRevoked, SpApiBadRequest):
            metrics.add_metric(name="ConnectCodeRejected", unit="Count", value=1)
            raise AuthorizationCodeRejected(
                "Amazon refused the authorization code (unknown, used, expired or for another redirect_uri)"
            ) from None
        participations = self._participations.participations_proven_by(
            refresh_token, claimed_seller_id=seller_id
        )
        if existing is not None:
            self._prove_same_seller(user, seller_id, participations)
        self._vault.store_refresh_token(seller_id, refresh_token)
        pushed = self._subscribe(seller_id)
        name, marketplace_ids = _profile_of(seller_id, participations, existing_name=None)
        authorized_at = now.astimezone(UTC).replace(microsecond=0)
        expires_at = authorization_expiry(authorized_at, self._config.valid_days)
        profile = self._connections.record_authorization(
            seller_id,
            name=name,
            marketplace_ids=marketplace_ids,
            authorized_at=authorized_at,
            expires_at=expires_at,
            sync_every_minutes=(self._config.push_sync_every_minutes if pushed else None)
            or self._config.sync_every_minutes,
        )
        membership = self._members.membership(seller_id, user.sub)
        if membership is None:
            self._members.add_member(seller_id, user.sub, Role.OWNER, email=user.email)
        reconnected = existing is not None
        self._audit.record(
            seller_id,
            user.sub,
            "connection.reauthorized" if reconnected else "connection.authorized",
            f"marketplaces={','.join(marketplace_ids)} expires={expires_at:%Y-%m-%d}",
        )
        started = start_seller_sync(
            StartSellerSyncInput(seller_id=seller_id, window=sync_window(now, self._config.window_minutes)),
            starter=self._starter,
        )
        metrics.add_metric(
            name="SellersReconnected" if reconnected else "SellersConnected", unit="Count", value=1
        )
        logger.info(
            "seller connected",
            extra={"seller_id": seller_id, "reconnected": reconnected, "sync": started.status},
        )
        return ConnectCallbackOut(
            seller_id=seller_id,
            name=profile.name,
            marketplace_ids=list(profile.marketplace_ids),
            status=classify(profile.status, expires_at, now=now, warning_days=self._config.warning_days),
            reconnected=reconnected,
            authorized_at=authorized_at,
            expires_at=expires_at,
            sync_execution=SyncExecutionOut(
                execution_name=started.execution_name,
                # a connection's first sync starts on Standard without a claim: never "not_active"
                status="started" if started.status == "started" else "already_running",
            ),
        )

    def _subscribe(self, seller_id: str) -> bool:
        """Push is an accelerator: a seller whose subscriptions failed is connected and polled all the
        same (at the usual cadence). True when the seller is subscribed."""
        if self._push is None:
            return False
        try:
            self._push.subscribe(seller_id)
        except SellerflowError as exc:
            metrics.add_metric(name="PushSubscribeFailed", unit="Count", value=1)
            logger.warning(
                "push subscription failed", extra={"seller_id": seller_id, "error": type(exc).__name__}
            )
            return False
        return True

    def _check_claim(self, user: ConnectUser, seller_id: str, existing: SellerConnection | None) -> None:
        """A known seller id may only be claimed by one of its owners (see the module docstring)."""
        if existing is None:
            return
        membership = self._members.membership(seller_id, user.sub)
        if membership is None or membership.role is not Role.OWNER:
            held = "no membership" if membership is None else f"role={membership.role.value}"
            self._audit.record(seller_id, user.sub, "connection.claim_refused", held)
            metrics.add_metric(name="ConnectClaimRefused", unit="Count", value=1)
            logger.warning(
                "connect claim refused", extra={"seller_id": seller_id, "member": membership is not None}
            )
        if membership is None:
            raise SellerAlreadyConnected(
                f"seller {seller_id} is already connected to Sellerflow; ask one of its owners to invite you"
            )
        if membership.role is not Role.OWNER:
            raise Forbidden(
                f"only an owner may reconnect seller {seller_id} (the {membership.role.value} role may not)"
            )
        if existing.status is SellerStatus.ERASING:
            raise SellerAlreadyConnected(
                f"seller {seller_id} is being erased; connect it again once that is done"
            )

    def _prove_same_seller(
        self, user: ConnectUser, seller_id: str, participations: Sequence[MarketplaceParticipation]
    ) -> None:
        """The new token must reach the Amazon account already connected as `seller_id`; nothing is
        stored otherwise (the seller keeps its token, profile and team)."""
        stored = self._members.profiles([seller_id])
        if stored and is_same_seller(stored[0], participations):
            return
        self._audit.record(seller_id, user.sub, "connection.identity_mismatch", describe(participations))
        metrics.add_metric(name="ConnectIdentityMismatch", unit="Count", value=1)
        logger.warning("connect identity mismatch", extra={"seller_id": seller_id})
        raise SellerIdentityMismatch(
            f"the Amazon account you authorized is not seller {seller_id} (its marketplaces and store "
            "name differ from the connected seller's); sign in to Seller Central as that seller and "
            "connect again"
        )

    # --- read ----------------------------------------------------------------------------------
    def connection(self, seller_id: str) -> ConnectionOut:
        state = connection_status(
            self._connections.connection(seller_id), now=self._clock(), warning_days=self._config.warning_days
        )
        sync = self._members.sync_state(seller_id)
        ads = None if self._ads is None else self._ads.ads_authorization(seller_id)
        return ConnectionOut(
            status=state.status,
            authorized_at=state.authorized_at,
            expires_at=state.expires_at,
            days_left=state.days_left,
            last_sync_at=sync.last_run_at,
            last_outcome=sync.last_outcome,
            consecutive_failures=sync.consecutive_failures,
            ads=AdsConnectionOut(
                status="connected" if ads is not None and ads.connected else "not_connected",
                connected_at=ads.connected_at if ads is not None and ads.connected else None,
                regions=list(ads.regions) if ads is not None else [],
            ),
        )


def _profile_of(
    seller_id: str, participations: Sequence[MarketplaceParticipation], *, existing_name: str | None
) -> tuple[str, list[str]]:
    """The seller's name (the store name Amazon reports) and the marketplaces it participates in."""
    participating = [p for p in participations if p.participation.is_participating]
    marketplace_ids = list(dict.fromkeys(p.marketplace.id for p in participating))
    names = [p.store_name for p in participating if p.store_name]
    return (names[0] if names else existing_name or seller_id), marketplace_ids
