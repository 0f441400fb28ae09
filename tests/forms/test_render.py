"""Converted forms rendered by the real @formio/js in headless Chromium (no CDN, no
browser download): every field shows with its label, and submitting with a required field
empty shows form.io's validation error. Screenshots land in test-artifacts/forms/."""
from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from forms.components import walk
from tests.forms.helpers import camunda_form, embedded, generated

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "js"
DIST = JS / "node_modules" / "@formio" / "js" / "dist"
CHROMIUM = Path(os.environ.get("M8FLOW_CHROMIUM", "/usr/bin/chromium"))
SHOTS = REPO / "test-artifacts" / "forms"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} "
                       "(apt-get install -y chromium)"),
    pytest.mark.skipif(not (DIST / "formio.full.min.js").exists()
                       or not (JS / "node_modules" / "playwright-core").exists(),
                       reason="npm packages missing: run `npm ci --prefix tests/js`"),
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed"),
]

FIXTURES = {"generated": generated, "embedded": embedded, "camunda-form": camunda_form}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict:
    site = tmp_path_factory.mktemp("site")
    (site / "forms").mkdir()
    shutil.copy(JS / "page.html", site / "page.html")
    (site / "formio").symlink_to(DIST, target_is_directory=True)
    (site / "vendor").mkdir()
    (site / "vendor" / "flatpickr-formio").symlink_to(JS / "node_modules" / "flatpickr" / "dist",
                                                      target_is_directory=True)
    (site / "vendor" / "moment-timezone").symlink_to(JS / "node_modules" / "moment-timezone",
                                                     target_is_directory=True)
    forms = {}
    for name, make in FIXTURES.items():
        forms[name] = make().form
        (site / "forms" / f"{name}.json").write_text(json.dumps(forms[name]))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "M8FLOW_CHROMIUM": str(CHROMIUM),
           "M8FLOW_CHROMIUM_PROFILE": str(tmp_path_factory.mktemp("chromium-profile"))}
    try:
        run = subprocess.run(
            ["node", str(JS / "render_forms.mjs"), f"http://127.0.0.1:{server.server_port}",
             str(SHOTS), *forms], capture_output=True, text=True, timeout=120, env=env,
            cwd=JS)
    finally:
        server.shutdown()
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    return {name: (forms[name], seen[name]) for name in forms}


def _fields(form: dict) -> list[dict]:
    return [c for c in walk(form["components"])
            if c.get("input") and c["type"] not in ("button", "hidden")]


@pytest.mark.parametrize("name", list(FIXTURES))
def test_form_renders_without_page_errors(rendered, name):
    _, seen = rendered[name]
    assert seen["failed"] is None
    assert seen["pageErrors"] == []


@pytest.mark.parametrize("name", list(FIXTURES))
def test_form_needs_nothing_beyond_localhost(rendered, name):
    assert rendered[name][1]["offsite"] == []


@pytest.mark.parametrize("name", list(FIXTURES))
def test_every_field_renders_an_input_with_its_label(rendered, name):
    form, seen = rendered[name]
    for component in _fields(form):
        assert any(k == component["key"] or k.startswith(component["key"] + "]")
                   for k in seen["inputs"]), component["key"]
        assert any(component["label"] in label for label in seen["labels"]), component["label"]


@pytest.mark.parametrize("name", list(FIXTURES))
def test_submitting_an_empty_required_field_shows_the_validation_error(rendered, name):
    form, seen = rendered[name]
    required = [c["label"] for c in _fields(form) if c.get("validate", {}).get("required")]
    assert required, "fixture must have a required field"
    assert seen["submitted"] is None
    for label in required:
        assert any(label in error and "required" in error for error in seen["errors"]), \
            (label, seen["errors"])


@pytest.mark.parametrize("name", list(FIXTURES))
def test_a_screenshot_is_kept(rendered, name):
    assert (SHOTS / f"{name}.png").stat().st_size > 0
