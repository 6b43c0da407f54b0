"""Sub-processor transparency: which outside services this deployment uses and what each receives.

    GET /sellers/{sellerId}/subprocessors   any member (SELLER_READ)

The list is the adapters' own `SENDS` declarations that the deployment's settings turn on
(`sellerflow.subprocessors`, collected in `sellerflow.wiring.subprocessors`): it says what the code
sends, not what a document once said. Roles no adapter of this build fills are listed as not used.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.api.models import ResponseModel
from sellerflow.members.permissions import Permission
from sellerflow.subprocessors import ROLES, Role, SubprocessorUse


class SubprocessorOut(ResponseModel):
    role: Role
    provider: str
    service: str
    purpose: str
    receives: list[str]

    @classmethod
    def of(cls, use: SubprocessorUse) -> SubprocessorOut:
        return cls(
            role=use.role,
            provider=use.provider,
            service=use.service,
            purpose=use.purpose,
            receives=list(use.receives),
        )


class SubprocessorsOut(ResponseModel):
    subprocessors: list[SubprocessorOut]
    not_used: list[Role]  # roles (payments, AI, ...) no service of this deployment fills


def subprocessors_out(uses: tuple[SubprocessorUse, ...]) -> SubprocessorsOut:
    used = {use.role for use in uses}
    return SubprocessorsOut(
        subprocessors=[SubprocessorOut.of(use) for use in uses],
        not_used=[role for role in ROLES if role not in used],
    )


def transparency_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    @bp.get("/sellers/{sellerId}/subprocessors", RouteDoc(SubprocessorsOut))
    def list_subprocessors(sellerId: str) -> Response:
        """The outside services this deployment uses and the data each receives (SELLER_READ)."""
        who = ctx.caller()
        ctx.access.require(who, sellerId, Permission.SELLER_READ)
        return json_response(subprocessors_out(ctx.ports.subprocessors))

    return bp
