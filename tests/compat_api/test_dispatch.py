"""Routes found by resource first (compat_api.dispatch) answer exactly as Starlette's flat
route list would: same route, same order, same 405 and 404."""
from __future__ import annotations

import asyncio

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Mount, Route

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
    Route("/files/{rest:path}", _answer("files"), methods=["GET"]),
    Route("/task", _answer("task-list"), methods=["GET"]),
    Route("/{anything}", _answer("generic-one"), methods=["DELETE"]),
]
APP = Starlette(routes=[Mount("/engine-rest", routes=[ResourceRoutes(ROUTES)])])
FLAT = Starlette(routes=[Mount("/engine-rest", routes=ROUTES)])


def request(method: str, path: str, app: Starlette = APP) -> httpx.Response:
    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return await client.request(method, "/engine-rest" + path)

    return asyncio.run(send())


def test_every_request_is_answered_as_the_flat_route_list_answers_it() -> None:
    paths = ["/task", "/task/", "/task/count", "/task/count/", "/task/7", "/task/7/complete", "/task/7/complete/x",
             "/files/a", "/files/a/b/c", "/files", "/deployment", "/deployment/ping", "/x/y/z", "/",
             "/process-definition/key/k/start", "/process-definition/9/start", "/process-definition/key/k"]
    for method in ("GET", "POST", "DELETE"):
        for path in paths:
            ours, flat = request(method, path), request(method, path, FLAT)
            assert (ours.status_code, ours.text, ours.headers.get("location")) == (
                flat.status_code, flat.text, flat.headers.get("location")), (method, path)


def test_a_path_parameter_spans_segments() -> None:
    assert request("GET", "/files/a/b/c").text == "files {'rest': 'a/b/c'}"


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


def test_a_path_ending_in_a_newline_matches_as_starlettes_patterns_match_it() -> None:
    # "$" matches before a final newline: the flat list finds /task for "/task\n".
    scope = {"type": "http", "method": "GET", "path": "/task\n", "root_path": "", "headers": []}
    grouped = ResourceRoutes(ROUTES).matches(scope)
    flat = next((match, route) for route in ROUTES if (match := route.matches(scope)[0]) is not Match.NONE)
    assert (grouped[0], grouped[1]["m8flow.route"]) == flat
    assert flat[1].path == "/task"
