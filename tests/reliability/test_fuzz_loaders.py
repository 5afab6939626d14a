"""Property tests of the loaders over arbitrary bytes: a document with canonical text, or a SourceError.

bench/fuzz_loaders.py runs the same check for a bounded time with many more inputs.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.corpus import SourceError, decode_bytes

sys.path.insert(0, str(REPO / "bench"))
from fuzz_loaders import check_one, source_bytes  # noqa: E402


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source_bytes(), st.sampled_from([".txt", ".md", ".html"]))
def test_loading_any_bytes_gives_canonical_text_or_a_one_line_source_error(tmp_path: Path, data: bytes, suffix: str):
    check_one(data, suffix, tmp_path, Counter())


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2000))
def test_decode_bytes_raises_nothing_but_source_error(data: bytes):
    try:
        text, _, _ = decode_bytes(data)
    except SourceError:
        return
    assert isinstance(text, str)


def test_the_fuzz_harness_reports_a_loader_that_breaks_its_contract(tmp_path: Path, monkeypatch):
    import fuzz_loaders

    def broken(path):
        raise ValueError("boom")

    monkeypatch.setattr(fuzz_loaders, "load_document", broken)
    try:
        check_one(b"hello world text", ".txt", tmp_path, Counter())
    except ValueError:
        return
    raise AssertionError("an exception other than SourceError must escape the check")
