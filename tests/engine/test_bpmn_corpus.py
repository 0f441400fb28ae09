"""Every BPMN file of the shared corpus either parses or is refused with a ParseError."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.bpmn.parser import is_bpmn_resource, parse_deployment
from engine.errors import ParseError

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
# Measured 302 of 335 (90.1%); the refusals are deliberate (compensation, caseRef call
# activities, service tasks without implementation, ...), see the printed reasons.
MIN_PARSE_SHARE = 0.88


def _reason(error: ParseError) -> str:
    first = next(iter(error.details.values()))["errors"][0]["message"]
    return first.split(":")[0].split("(")[0].strip()[:70]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_corpus_files_parse_or_raise_parse_error():
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and is_bpmn_resource(p.name))
    parsed, refused = 0, Counter()
    for path in files:
        try:
            parse_deployment({path.name: path.read_bytes()})
            parsed += 1
        except ParseError as exc:
            refused[_reason(exc)] += 1
    print(f"\ncorpus: {parsed} of {len(files)} BPMN files parsed; refused by reason:")
    for reason, count in refused.most_common():
        print(f"  {count:3d}  {reason}")
    assert files
    assert parsed / len(files) >= MIN_PARSE_SHARE
