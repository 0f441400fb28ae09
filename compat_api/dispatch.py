"""Finding the route of a request by its resource first.

Starlette's router tries every route in order with a regular expression each. The gateway has
about 140 routes, so ``POST /external-task/{id}/complete`` was matched after trying more than
100 of them (0.1 ms of a request that costs 2 ms in all). :class:`ResourceRoutes` groups the
routes by their first path segment (``external-task``, ``process-definition``) and their
number of segments, and tries only that group's routes, in their original order, so a request
matches, fails with 405, or redirects exactly as it would have with the flat list.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

from compat_api.errors import RestError

_ROUTE = "m8flow.route"


def _first_segment(path: str) -> str | None:
    """``/task/{id}/complete`` -> ``task``; None when the first segment is a path parameter."""
    segment = path.lstrip("/").split("/", 1)[0]
    return None if "{" in segment else segment


class ResourceRoutes(BaseRoute):
    """One route standing for many: ``routes`` indexed by their first literal path segment and
    their number of segments."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self.routes = list(routes)
        self._shapes = [self._shape(route) for route in self.routes]
        self._by_shape: dict[tuple[str | None, int], list[BaseRoute]] = {}
        for segment, count in set(self._shapes):
            if segment is not None and count is not None:
                self._by_shape[(segment, count)] = self._candidates(segment, count)

    @staticmethod
    def _shape(route: BaseRoute) -> tuple[str | None, int | None]:
        """(first literal segment, number of segments) of a route's path; None for either when
        it could be anything: a parameter first, a ``:path`` parameter, or not a plain Route."""
        path = getattr(route, "path", None)
        if not isinstance(route, Route) or path is None or ":path}" in path:
            return None, None
        return _first_segment(path), path.count("/")

    def _candidates(self, segment: str | None, count: int) -> list[BaseRoute]:
        """The routes a path of this shape could match, in their original order. A route whose
        first segment is a parameter could match any resource; one of unknown shape, any path.
        A plain route of another segment count cannot match: its parameters exclude ``/``."""
        return [
            route for route, (route_segment, route_count) in zip(self.routes, self._shapes, strict=True)
            if route_segment in (segment, None) and route_count in (count, None)
        ]

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Starlette's patterns end in ``$``, which also matches before a final newline.
        path = get_route_path(scope).removesuffix("\n")
        shape = (_first_segment(path), path.count("/"))
        candidates = self._by_shape.get(shape)
        if candidates is None:  # no route of that resource and length: only a parameter can match
            candidates = self._candidates(None, shape[1])
        partial: tuple[BaseRoute, Scope] | None = None
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {**child_scope, _ROUTE: route}
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _ROUTE: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = scope.pop(_ROUTE, None)
        if route is None:  # pragma: no cover - Starlette calls handle only after a match
            raise RestError(404, "Not Found", "RestException")
        scope["route"] = route
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        for route in self.routes:
            try:
                return route.url_path_for(name, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)
