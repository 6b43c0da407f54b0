"""Security incidents (admins only), the record behind `docs/incident-response.md`:

    POST /admin/incidents                 open one: title, severity, detected_at      → 201
    PUT  /admin/incidents/{incidentId}    record contained_at / amazon_notified_at / resolved_at
    GET  /admin/incidents                 every incident, newest detection first

Each answer shows the deadline for notifying Amazon (detected_at + 24 hours) and whether it was met;
every change is audited in the deployment's incidents chain.
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from sellerflow.api.context import ApiContext, json_response, parse_json_body
from sellerflow.api.docs import RouteDoc
from sellerflow.api.errors import ApiBlueprint
from sellerflow.incidents.model import IncidentIn, IncidentOut, IncidentProgressIn, IncidentsOut
from sellerflow.incidents.service import IncidentService

OPEN_BODY = '{"title": "...", "severity": "critical|high|low", "detected_at": "2026-01-01T00:00:00Z"}'
PROGRESS_BODY = '{"contained_at" | "amazon_notified_at" | "resolved_at": "2026-01-01T00:00:00Z"}'


def incident_routes(ctx: ApiContext) -> Blueprint:
    bp = ApiBlueprint(__name__)

    def service() -> IncidentService:
        return IncidentService(ctx.ports.incidents, ctx.ports.audit, ctx.now)

    @bp.post("/admin/incidents", RouteDoc(IncidentOut, status=201, body=IncidentIn, errors=(403,)))
    def open_incident() -> Response:
        """Open a security incident; the 24-hour clock for notifying Amazon starts at detected_at (admins only)."""
        who = ctx.admin()
        wanted = parse_json_body(ctx.body(), IncidentIn, OPEN_BODY)
        return json_response(IncidentOut.of(service().open(who, wanted), ctx.now()), 201)

    @bp.put(
        "/admin/incidents/{incidentId}", RouteDoc(IncidentOut, body=IncidentProgressIn, errors=(403, 404))
    )
    def progress_incident(incidentId: str) -> Response:
        """Record when an incident was contained, reported to Amazon or resolved (admins only)."""
        who = ctx.admin()
        wanted = parse_json_body(ctx.body(), IncidentProgressIn, PROGRESS_BODY)
        return json_response(IncidentOut.of(service().progress(who, incidentId, wanted), ctx.now()))

    @bp.get("/admin/incidents", RouteDoc(IncidentsOut, errors=(403,)))
    def list_incidents() -> Response:
        """Every security incident with its Amazon notification deadline (admins only)."""
        ctx.admin()
        now = ctx.now()
        return json_response(IncidentsOut(incidents=[IncidentOut.of(i, now) for i in service().all()]))

    return bp
