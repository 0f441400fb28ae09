"""Routes found by resource first (compat_api.dispatch) answer exactly as Starlette's flat
route list would: same route, same order, same 405 and 404."""
from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from compat_api.dispatch import ResourceRoutes


def _answer(name: str):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"{name} {dict(request.path_params)}")

    return endpoint


ROUTES = [
    Route("/task/count", _answer("task-count"), methods=["GET"]),
    Route("/{anything}/ping", _answer("generic-ping"), methods=["GET"]),
    Route("/task/{id}", _answer("task-by-id"), methods=["GET"]),
    Route("/task/{id}/complete", _answer("task-complete"), methods=["POST"]),
    Route("/process-definition/key/{key}/start", _answer("start-by-key"), methods=["POST"]),
    Route("/process-definition/{id}/start", _answer("start-by-id"), methods=["POST"]),
]
APP = Starlette(routes=[Mount("/engine-rest", routes=[ResourceRoutes(ROUTES)])])


def request(method: str, path: str) -> httpx.Response:
    async def send() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://gateway") as client:
            return await client.request(method, "/engine-rest" + path)

    return asyncio.run(send())


def test_a_literal_route_declared_first_wins_over_a_parameter() -> None:
    assert request("GET", "/task/count").text == "task-count {}"


def test_path_parameters_reach_the_endpoint() -> None:
    assert request("POST", "/process-definition/key/invoice/start").text == "start-by-key {'key': 'invoice'}"


def test_a_route_with_a_parameter_first_keeps_its_place_in_every_resource() -> None:
    assert request("GET", "/task/ping").text == "generic-ping {'anything': 'task'}"
    assert request("GET", "/deployment/ping").text == "generic-ping {'anything': 'deployment'}"
    assert request("GET", "/task/7").text == "task-by-id {'id': '7'}"


def test_a_known_path_with_another_method_is_405() -> None:
    assert request("POST", "/task/count").status_code == 405


def test_an_unknown_resource_is_404() -> None:
    assert request("GET", "/nothing-here/1").status_code == 404
