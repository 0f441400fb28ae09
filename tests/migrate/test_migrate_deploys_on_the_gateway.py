"""Every model `m8flow migrate convert` writes deploys on the gateway, on both databases."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.commands.deployment import create_deployment
from migrate.findings import FileStatus
from migrate.inputs import collect
from migrate.run import run

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not (CORPUS / "MANIFEST.tsv").exists(), reason=f"shared corpus not found at {CORPUS}")


@pytest.fixture(scope="module")
def converted_models(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    items, _unreadable = collect([CORPUS])
    models = [item for item in items if item.kind in {"bpmn", "dmn"}]
    results = run(models, workers=1, out_dir=tmp_path_factory.mktemp("converted"))
    return [Path(r.output) for r in results if r.status is FileStatus.CONVERTED and r.output]


def test_every_converted_corpus_model_deploys(engine, converted_models):
    refused = []
    for path in converted_models:
        try:
            create_deployment(engine, {path.name: path.read_bytes()}, name=path.name[:255])
        except Exception as exc:  # noqa: BLE001 — collect every refusal, then report them all
            refused.append(f"{path}: {type(exc).__name__}: {exc}")
    assert len(converted_models) > 300
    assert refused == []
