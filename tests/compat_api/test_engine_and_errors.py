"""Cross-cutting behaviour: engine prefix, version, Camunda error bodies, hostile input."""
from __future__ import annotations

import pytest


def test_engine_list_names_the_default_engine(rest):
    assert rest.get("/engine").json() == [{"name": "default"}]


def test_version(rest):
    assert rest.get("/version").json() == {"version": "7.23.0"}


def test_named_engine_prefix_serves_the_same_resources(rest):
    assert rest.get("/engine/default/process-definition/count").json() == {"count": 0}


def test_unknown_engine_name_is_rejected(rest):
    response = rest.get("/engine/other/task")
    assert response.status_code == 400
    assert response.json()["type"] == "InvalidRequestException"


def test_unknown_path_is_a_camunda_style_404(rest):
    response = rest.get("/no-such-resource")
    assert response.status_code == 404
    assert set(response.json()) == {"type", "message", "code"}


def test_malformed_json_is_an_invalid_request(rest):
    response = rest.post("/task", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["type"] == "InvalidRequestException"


def test_wrong_json_shape_is_an_invalid_request(rest):
    response = rest.post("/process-instance", json=["a list"])
    assert response.status_code == 400


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</definitions>',
            id="xxe",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&lol3;</definitions>',
            id="billion-laughs",
        ),
    ],
)
def test_hostile_xml_is_refused_with_400(rest, document):
    response = rest.post("/deployment/create", files={"data": ("evil.bpmn", document, "text/xml")})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "ParseException"
    assert "root:" not in body["message"]
    assert rest.get("/deployment/count").json() == {"count": 0}


def test_a_nul_character_in_a_filter_is_a_400_not_a_database_error(rest):
    response = rest.get("/task", params={"name": "a\x00b"})
    assert response.status_code in (200, 400)
    assert response.status_code == 200 or response.json()["type"] == "InvalidRequestException"


def test_an_integer_beyond_32_bits_in_a_body_filter_is_a_400(rest):
    response = rest.post("/task", json={"priority": 2**40})
    assert response.status_code == 400
    assert response.json()["type"] == "InvalidRequestException"
