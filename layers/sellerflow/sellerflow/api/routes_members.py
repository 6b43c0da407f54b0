"""Who am I, a seller's team, and invitations (registered by `create_app`; rules in `sellerflow.members`).

GET    /me                                         {sub, email, is_admin, memberships:[{seller_id, role}]}
GET    /sellers/{sellerId}/members                 MEMBERS_MANAGE → {members:[{user_sub, email, role, added_at}]}
PUT    /sellers/{sellerId}/members/{userSub}       MEMBERS_MANAGE, {role}; the last owner is never demoted (409)
DELETE /sellers/{sellerId}/members/{userSub}       MEMBERS_MANAGE; the last owner is never removed (409)
POST   /sellers/{sellerId}/invitations             MEMBERS_MANAGE, {email, role} → 201 (token shown once)
GET    /sellers/{sellerId}/invitations             MEMBERS_MANAGE → {invitations:[...]}
DELETE /sellers/{sellerId}/invitations/{invitationId}  MEMBERS_MANAGE: revoke a pending invitation
POST   /invitations/accept                         {token}: any signed-in user whose verified email
                                                   is the invited one → {seller_id, role}; spent → 410
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol
from urllib.parse import unquote

from chalice import Chalice, Response
from pydantic import BaseModel

from sellerflow.api.errors import JSON_HEADERS, current, http_errors
from sellerflow.api.models import single_values
from sellerflow.members.models import AcceptIn, InvitationIn, RoleIn, parse_body
from sellerflow.members.permissions import Permission
from sellerflow.members.service import AuditSink, TeamConfig, TeamService, TeamStorePort, UserDirectory
from sellerflow.principal import Principal
from sellerflow.settings import Settings, get_settings


class _Runtime(Protocol):
    @property
    def access(self) -> Any: ...

    @property
    def clock(self) -> Callable[[], Any]: ...

    @property
    def team(self) -> TeamStorePort | None: ...


def respond(model: BaseModel | None, status: int = 200) -> Response:
    if model is None:  # 204: no body
        return Response(body="", status_code=status, headers={"Cache-Control": "no-store"})
    return Response(body=model.model_dump(mode="json"), status_code=status, headers=dict(JSON_HEADERS))


def team_service_factory(
    *,
    runtime: Callable[[], _Runtime],
    settings: Settings | None,
    audit: AuditSink | None,
    users: UserDirectory | None,
) -> Callable[[], TeamService]:
    """The team service, built on first use from the runtime's store (shared by the admin routes)."""
    lock = threading.Lock()
    built: list[TeamService] = []

    def user_directory() -> UserDirectory:
        if users is not None:
            return users
        from sellerflow.store.users import CognitoUsers

        current_settings = settings or get_settings()
        return CognitoUsers(current_settings.cognito_user_pool_id, region=current_settings.aws_region)

    def service() -> TeamService:
        rt = runtime()  # binds the tables when the app builds its own stores
        with lock:
            if not built:
                from sellerflow.store.audit import AuditLog

                current_settings = settings or get_settings()
                if rt.team is None:
                    raise RuntimeError("the API runtime has no team store")
                built.append(
                    TeamService(
                        store=rt.team,
                        users=user_directory,
                        audit=audit if audit is not None else AuditLog(),
                        clock=rt.clock,
                        config=TeamConfig(
                            web_origin=current_settings.web_origin,
                            invitation_ttl=timedelta(days=current_settings.invitation_ttl_days),
                            break_glass_max_minutes=current_settings.break_glass_max_minutes,
                        ),
                    )
                )
            return built[0]

    return service


def register_member_routes(
    app: Chalice,
    *,
    runtime: Callable[[], _Runtime],
    caller: Callable[[], Principal],
    query_params: Callable[[], dict[str, list[str]]],
    settings: Settings | None = None,
    audit: AuditSink | None = None,
    users: UserDirectory | None = None,
) -> None:
    """Add the team routes to the app; collaborators are built on the first request."""
    service = team_service_factory(runtime=runtime, settings=settings, audit=audit, users=users)

    def manager(seller_id: str) -> Principal:
        who = caller()
        runtime().access.require(who, seller_id, Permission.MEMBERS_MANAGE)
        single_values(query_params(), allowed=())
        return who

    def body() -> bytes:
        raw = current(app.current_request).raw_body
        return raw.encode() if isinstance(raw, str) else raw

    @app.route("/me", methods=["GET"])
    @http_errors
    def me() -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        return respond(service().me(who))

    @app.route("/sellers/{sellerId}/members", methods=["GET"])
    @http_errors
    def list_members(sellerId: str) -> Response:
        who = manager(sellerId)
        return respond(service().list_members(who, sellerId))

    @app.route("/sellers/{sellerId}/members/{userSub}", methods=["PUT"], content_types=["application/json"])
    @http_errors
    def set_member_role(sellerId: str, userSub: str) -> Response:
        who = manager(sellerId)
        wanted = parse_body(RoleIn, body(), '{"role": "owner"|"analyst"|"support"}')
        return respond(service().set_role(who, sellerId, unquote(userSub), wanted.role))

    @app.route("/sellers/{sellerId}/members/{userSub}", methods=["DELETE"])
    @http_errors
    def remove_member(sellerId: str, userSub: str) -> Response:
        who = manager(sellerId)
        service().remove(who, sellerId, unquote(userSub))
        return respond(None, 204)

    @app.route("/sellers/{sellerId}/invitations", methods=["POST"], content_types=["application/json"])
    @http_errors
    def create_invitation(sellerId: str) -> Response:
        who = manager(sellerId)
        wanted = parse_body(InvitationIn, body(), '{"email": "...", "role": "owner"|"analyst"|"support"}')
        return respond(service().invite(who, sellerId, wanted.email, wanted.role), 201)

    @app.route("/sellers/{sellerId}/invitations", methods=["GET"])
    @http_errors
    def list_invitations(sellerId: str) -> Response:
        who = manager(sellerId)
        return respond(service().invitations(who, sellerId))

    @app.route("/sellers/{sellerId}/invitations/{invitationId}", methods=["DELETE"])
    @http_errors
    def revoke_invitation(sellerId: str, invitationId: str) -> Response:
        who = manager(sellerId)
        return respond(service().revoke(who, sellerId, invitationId))

    @app.route("/invitations/accept", methods=["POST"], content_types=["application/json"])
    @http_errors
    def accept_invitation() -> Response:
        who = caller()
        single_values(query_params(), allowed=())
        wanted = parse_body(AcceptIn, body(), '{"token": "<the token of the invitation link>"}')
        return respond(service().accept(who, wanted.token))
