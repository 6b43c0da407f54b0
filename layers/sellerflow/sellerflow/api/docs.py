"""What each route takes and answers, declared on the route (`@bp.get(path, RouteDoc(...))`; the
view's docstring is its summary): the source of the OpenAPI document (`python -m sellerflow_dev.openapi docs/openapi.json`).

Every route answers 401 (no or a bad token), 400 (a malformed query or body; an unknown query
parameter is one) and 500; a route whose path names a seller also 403 (the role lacks the
permission) and 404 (not a member, or no such seller: the two look alike). `errors` adds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class RouteDoc:
    response: type[BaseModel] | None  # None: an empty body (204)
    status: int = 200
    body: type[BaseModel] | None = None  # the JSON request body
    query: tuple[str, ...] = ()  # the accepted query parameters
    required_query: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()  # statuses beyond the ones every route has
    also: tuple[int, ...] = ()  # other success statuses with the same body (e.g. 302 + Location)
    summary: str = ""  # the view's docstring (`ApiBlueprint.route` fills it in)


# (METHOD, path) -> its doc; filled as the apps register their blueprints.
ROUTE_DOCS: dict[tuple[str, str], RouteDoc] = {}
