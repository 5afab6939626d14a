"""Defects found by a fact-checker's daily loop (qa-loop3): ids as the panel shows them, evidence shown."""

from __future__ import annotations

import re


def test_an_annotation_id_as_the_panel_shows_it_with_its_hash_is_accepted(run_cli, loaded_store, source_id) -> None:
    """The panel shows `#29e6f88f`; `reader edit '#29e6f88f'` said "no annotation with id '#29e6f88f'" and the
    matrix's evidence field said "evidence must be an http(s) URL or an annotation id"."""
    from test_fact_checking import link

    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    edited = run_cli("edit", f"#{b.id[:8]}", "--note", "seen in the panel")
    assert edited.exit_code == 0, edited.output
    assert loaded_store.annotation(b.id).note == "seen in the panel"
    evidence = run_cli("evidence", a.id[:8], f"#{b.id[:8]}")
    assert evidence.exit_code == 0, evidence.output


def test_importing_a_claimreview_export_says_which_export_to_import_instead(
    run_cli, loaded_store, source_id, tmp_path
) -> None:
    """`reader import out.claimreview` said only "is JSON, but neither a reader export nor W3C Web
    Annotations": not that ClaimReview is for publishing, nor which export carries verdicts across."""
    from test_fact_checking import link

    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    assert run_cli("verdict", a.id[:8], "true").exit_code == 0
    reviews = tmp_path / "out.claimreview"
    assert run_cli("export", "--format", "claimreview", "-o", str(reviews)).exit_code == 0
    imported = run_cli("import", str(reviews), db=tmp_path / "new.db")
    assert imported.exit_code == 1
    assert "ClaimReview" in imported.output and "--format json" in imported.output, imported.output
    assert "Traceback" not in imported.output


def test_the_report_keeps_what_evidence_shows_and_links_it(run_cli, loaded_store, source_id, tmp_path) -> None:
    """The HTML report read 'evidence: 29e6f88f33b742c28c3db0f1caddc335': the note saying what it shows
    was dropped, the annotation was not linked to its place in the page, nor the URL to its page."""
    from test_fact_checking import link

    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    assert run_cli("evidence", a.id[:8], b.id[:8], "--note", "the <second> outlet's figure").exit_code == 0
    assert run_cli("evidence", a.id[:8], "https://example.org/filing?a=1&b=2").exit_code == 0
    report = tmp_path / "r.html"
    assert run_cli("report", "-o", str(report)).exit_code == 0
    page = report.read_text(encoding="utf-8")
    evidence = re.findall(r'<div class="evidence">(.*?)</div>', page)
    assert len(evidence) == 2, evidence
    assert any(f'<a href="#a-{b.id}">#{b.id[:8]}</a>' in e and "the &lt;second&gt; outlet" in e for e in evidence)
    assert any('<a href="https://example.org/filing?a=1&amp;b=2" rel="noreferrer">' in e for e in evidence)


def test_importing_a_json_export_counts_the_claims_verdicts_it_brought(
    run_cli, loaded_store, source_id, tmp_path
) -> None:
    """`reader import out.json` brought a claim's verdict and evidence across but its summary
    ('imported 2 annotations, 1 link, 0 new tags … from out.json (json)') did not say so."""
    from test_fact_checking import link

    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    assert run_cli("verdict", a.id[:8], "true", "--evidence", "https://example.org/filing").exit_code == 0
    exported = tmp_path / "out.json"
    assert run_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    imported = run_cli("import", str(exported), db=tmp_path / "new.db")
    assert imported.exit_code == 0, imported.output
    assert "1 claim record (verdict, evidence, wording)" in imported.output, imported.output
    again = run_cli("import", str(exported), db=tmp_path / "new.db")
    assert "claim record" not in again.output, again.output


def test_a_counterparts_evidence_names_a_shared_figure_once() -> None:
    """The counterparts list read 'same figure: 2021; words: pay, 2021, real-terms': 2021 twice."""
    from reader.align.suggest import Evidence

    evidence = Evidence(shared_figures=("2021",), shared_names=("Brigid's",),
                        shared_words=("pay", "2021", "Brigid's", "real-terms"))
    assert evidence.describe() == "same figure: 2021; names: Brigid's; words: pay, real-terms"
    assert Evidence(shared_figures=("2021",), shared_words=("2021",)).describe() == "same figure: 2021"


def test_setting_a_claims_text_to_what_it_already_is_records_no_change(loaded_store, source_id) -> None:
    """`t`, emptied, enter in the matrix on a claim with no wording of its own logged a change: the next `u`
    said "undid changing a claim's verdict note" and took back nothing the user had done."""
    from test_fact_checking import link

    from reader.store.claims import set_claim_text

    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    set_claim_text(loaded_store, a.id, [a.id, b.id], "  ")
    assert "claim" not in (loaded_store.undo() or ""), "the link, the last real change, is what undo takes back"
    loaded_store.redo()
    set_claim_text(loaded_store, a.id, [a.id, b.id], "Microsoft put $13bn into OpenAI")
    set_claim_text(loaded_store, a.id, [a.id, b.id], "Microsoft  put $13bn into OpenAI ")
    assert "$13bn" in (loaded_store.undo() or "")  # the wording given, not the same one given again
    loaded_store.redo()
    set_claim_text(loaded_store, a.id, [a.id, b.id], "Microsoft put $14bn into OpenAI")
    assert "$14bn" in (loaded_store.undo() or "")  # a new wording is a change


def test_reader_annotations_lists_each_note_as_its_help_says(run_cli, loaded_store, source_id) -> None:
    """`reader annotations` says it lists 'status, tags and notes', but printed no note: what a fact-checker
    wrote about a passage ('union figure 1,200?') was only in the TUI and the exports."""
    text = loaded_store.text(source_id("000"))
    start = text.index("Microsoft")
    loaded_store.add_annotation(source_id("000"), start, start + 9, tags=["claim"], note="check [red]this[/red]\nfirst")
    loaded_store.add_annotation(source_id("000"), start + 10, start + 13, tags=["number"])
    listed = run_cli("annotations")
    assert listed.exit_code == 0, listed.output
    noted, plain = listed.output.splitlines()
    assert noted.endswith("Microsoft — check [red]this[/red] first"), noted
    assert "—" not in plain, plain
