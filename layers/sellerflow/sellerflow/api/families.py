"""Route families imported on their first request: an app registers every route at import (Chalice
routes by them) from the generated route table, and imports a family's module — its views, request and
response models and the domain they describe — when one of its routes is first called.

A cold start of the API then imports no route module: the ~200 models and ~140 dataclasses of the
general API's fourteen families cost ~100 ms of import (docs/performance.md, "Cold starts"), and a
request needs one family. `sellerflow.api.route_table` is generated from the families themselves
(`python -m sellerflow_dev.route_table`); tests/unit/api/test_api_route_table.py checks it is current
and that a lazy app has exactly the routes of the eager one.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Response

from sellerflow.api.errors import ApiBlueprint, RouteFailed
from sellerflow.api.route_table import ROUTES

# One route of a family: (METHOD, path, view name, content types).
RouteRow = tuple[str, str, str, tuple[str, ...]]
View = Callable[..., Response]
# `sellerflow.api.context.RouteFamily` (ApiContext -> Blueprint); the context imports this module.
Family = Callable[[Any], Blueprint]


@dataclass(frozen=True)
class LazyFamily:
    """The family `function` of `module` (`ApiContext -> ApiBlueprint`), imported on first use."""

    module: str
    function: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.function}"

    def load(self) -> Family:
        """The family itself (imports its module)."""
        family: Family = getattr(importlib.import_module(self.module), self.function)
        return family

    def __call__(self, ctx: Any) -> Blueprint:
        """A blueprint of the family's routes, each calling the real view, built on the first call (a
        family not in the table yet, before it is regenerated, is imported now)."""
        if self.key not in ROUTES:
            return self.load()(ctx)
        views = _FamilyViews(self, ctx)
        bp = Blueprint(self.module)
        for method, path, name, content_types in ROUTES[self.key]:
            bp.route(path, methods=[method], name=name, content_types=list(content_types))(
                views.proxy(method, path, name)
            )
        return bp


@dataclass
class _FamilyViews:
    family: LazyFamily
    ctx: Any  # the app's ApiContext
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _views: dict[tuple[str, str], View] = field(default_factory=dict)

    def view(self, method: str, path: str) -> View:
        with self._lock:
            if not self._views:
                blueprint = self.family.load()(self.ctx)
                if not isinstance(blueprint, ApiBlueprint):
                    raise TypeError(f"{self.family.key} must return an ApiBlueprint")
                self._views.update(blueprint.views)
        return self._views[(method, path)]

    def proxy(self, method: str, path: str, name: str) -> View:
        def lazy_view(**params: Any) -> Response:
            try:
                view = self.view(method, path)
            except Exception as exc:  # the family did not load: the middleware's 500, logged
                raise RouteFailed(exc, None) from exc
            return view(**params)

        lazy_view.__name__ = lazy_view.__qualname__ = name
        return lazy_view
