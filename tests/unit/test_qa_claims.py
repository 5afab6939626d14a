"""Defects a fact-checker met on the command line while trying out issue 11 (qa-claims)."""

from __future__ import annotations

import json
import re


def test_an_ambiguous_source_names_each_match_whole_or_with_an_ellipsis(run_cli) -> None:
    result = run_cli("meta", "OpenAI")  # every bundled article's title mentions OpenAI
    assert result.exit_code == 1 and "be more specific" in result.output
    listed = result.output.split(" sources (", 1)[1].rsplit("); be more specific", 1)[0]
    listed = re.split(r", (?=\d+: )", listed)
    titles = {s["id"]: s["title"] for s in json.loads(run_cli("sources", "--json").output)}
    for item in listed:
        number, _, shown = item.partition(": ")
        title = titles[int(number)]
        assert shown == title or (shown.endswith("…") and title.startswith(shown[:-1])), (shown, title)
    assert any(shown.endswith("…") for shown in listed)  # the long titles (003, 004) are cut, visibly


def test_evidence_gathered_before_a_verdict_is_shown_and_survives_a_json_round_trip(
    run_cli, loaded_store, source_id, tmp_path
) -> None:
    """`reader evidence` on a claim without a verdict said 'added 1 evidence', then nothing showed it: not
    `reader claim`, not `claims --json`, not the JSON export (so an import lost it)."""
    from test_fact_checking import link

    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    assert run_cli("evidence", a.id[:8], "https://www.sec.gov/filing", "--note", "10-K").exit_code == 0
    shown = run_cli("claim", a.id[:8])
    assert "https://www.sec.gov/filing" in shown.output, shown.output
    (claim,) = json.loads(run_cli("claims", "--json").output)
    assert claim["verdict"] is None
    assert [(e["kind"], e["value"], e["note"]) for e in claim["evidence"]] == [
        ("url", "https://www.sec.gov/filing", "10-K")
    ]
    exported = tmp_path / "claims.json"
    assert run_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    other_db = tmp_path / "other.db"
    for _ in range(2):  # a second import adds nothing
        assert run_cli("import", str(exported), db=other_db).exit_code == 0
    (again,) = json.loads(run_cli("claims", "--json", db=other_db).output)
    assert [e["value"] for e in again["evidence"]] == ["https://www.sec.gov/filing"]


def test_undo_says_which_change_to_a_claim_or_a_source_it_took_back(run_cli, loaded_store, source_id) -> None:
    """Undo said 'undid changing a claim' alike for a verdict, evidence and the claim's text, and 'undid
    changing a source' for any metadata."""
    from test_fact_checking import link

    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    said = {}
    for name, command in (
        ("verdict", ("verdict", a.id[:8], "mostly true")),
        ("again", ("verdict", a.id[:8], "false")),
        ("evidence", ("evidence", a.id[:8], "https://www.sec.gov/filing")),
        ("text", ("claim", a.id[:8], "--text", "Microsoft put $13bn into OpenAI")),
        ("meta", ("meta", "001", "--outlet", "Converge 360", "--published", "2024-10-14")),
    ):
        assert run_cli(*command).exit_code == 0
        said[name] = run_cli("undo").output.strip()
        assert run_cli("redo").exit_code == 0
    assert said["verdict"] == "undid giving a claim the verdict 'mostly true'", said
    assert said["again"] == "undid changing a claim's verdict (mostly true → false)", said
    assert said["evidence"] == "undid adding evidence to a claim (https://www.sec.gov/filing)", said
    assert said["text"] == "undid changing a claim's text (Microsoft put $13bn into OpenAI)", said
    assert said["meta"] == "undid changing a source's outlet and published (One of Microsoft's Top AI Execs Leaves for OpenAI)", said


def test_a_matrix_of_some_sources_names_the_same_first_appearance_as_reader_claims(
    run_cli, loaded_store, source_id
) -> None:
    """The matrix of two marked sources said 'first: 2025-03-03 · The Harbour Gazette' for a claim a third
    source had published the day before, as `reader claims` said."""
    from test_fact_checking import link

    from reader.claims import matrix_for_store

    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    text = loaded_store.text(source_id("002"))
    start = text.index("Microsoft")
    c = loaded_store.add_annotation(source_id("002"), start, start + 20, tags=["claim"])
    loaded_store.add_link(b.id, c.id, "same")
    run_cli("meta", "000", "--published", "2024-10-16")
    run_cli("meta", "001", "--published", "2024-10-15")
    run_cli("meta", "002", "--published", "2024-10-14", "--outlet", "heise")
    (everywhere,) = json.loads(run_cli("claims", "--json").output)
    assert everywhere["first_appearance"]["annotation"] == c.id
    sources, claims = matrix_for_store(loaded_store, [source_id("000"), source_id("001")])
    assert [s.id for s in sources] == [source_id("000"), source_id("001")]
    (claim,) = claims
    assert claim.id == everywhere["id"]
    assert claim.first_appearance is not None and claim.first_appearance.annotation.id == c.id
    assert claim.first_appearance.source.outlet == "heise"
    # a claim none of the chosen sources makes is not in their matrix
    assert matrix_for_store(loaded_store, [source_id("003")])[1] == []


def test_a_too_short_start_of_an_id_is_told_so(run_cli, loaded_store, source_id) -> None:
    """`reader verdict e57 true` said "no claim with id 'e57'" for a claim whose id starts e57, and evidence
    'd798' (the start of an annotation id) read as neither URL nor id."""
    from test_fact_checking import link

    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    short = run_cli("verdict", a.id[:3], "true")
    assert short.exit_code == 1
    assert f"'{a.id[:3]}' is too short: give at least 4 characters of the claim's id" in short.output, short.output
    evidence = run_cli("evidence", a.id[:6], b.id[:4])
    assert evidence.exit_code == 1
    assert f"'{b.id[:4]}' is too short" in evidence.output and "at least 6 characters" in evidence.output, evidence.output
    assert run_cli("evidence", a.id[:6], b.id[:6]).exit_code == 0


def test_a_qdpx_or_csv_round_trip_keeps_the_metadata_one_set(run_cli, tmp_path) -> None:
    """The qdpx and CSV exports state each source's outlet and date (the project's Description, the
    source_* columns), but importing them into another database dropped what the user had set, so the
    claims there had another first appearance."""
    assert run_cli("meta", "000", "--outlet", "AI Wire", "--published", "2024-10-16").exit_code == 0
    assert run_cli("meta", "002", "--url", "https://www.heise.de/news/x").exit_code == 0
    for prefix in ("000", "001", "002"):
        assert run_cli("annotate", prefix, "--quote", "OpenAI", "--occurrence", "1", "--tag", "claim").exit_code == 0
    for kind in ("qdpx", "csv", "w3c"):
        exported = tmp_path / f"project.{kind}"
        assert run_cli("export", "--format", kind, "-o", str(exported)).exit_code == 0
        other_db = tmp_path / f"other-{kind}.db"
        first = run_cli("import", str(exported), db=other_db)
        assert first.exit_code == 0, first.output
        assert "the metadata of 2 sources" in first.output, first.output  # 000's and 002's, not 001's
        sources = {s["path"].rsplit("/", 1)[-1][:3]: s for s in json.loads(run_cli("sources", "--json", db=other_db).output)}
        assert (sources["000"]["outlet"], sources["000"]["published"]) == ("AI Wire", "2024-10-16"), kind
        assert sources["002"]["url"] == "https://www.heise.de/news/x", kind
        assert sources["001"]["outlet"] == "Converge360" and sources["001"]["published"] == ""  # from the file
        meta = json.loads(run_cli("meta", "001", "--json", db=other_db).output)
        assert meta["set_by_user"] == [], kind  # what the files state is not taken for the user's own
        again = run_cli("import", str(exported), db=other_db)  # twice: nothing more to undo than the first
        assert "metadata" not in again.output, again.output
        assert run_cli("undo", db=other_db).exit_code == 0
        assert json.loads(run_cli("meta", "000", "--json", db=other_db).output)["outlet"] == ""


def test_undo_of_a_silent_mark_says_which_source(loaded_store, source_id) -> None:
    """`z` then `u` in the matrix said 'undid adding a silence'."""
    from test_fact_checking import link

    a, _ = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    loaded_store.set_silent(a.id, source_id("002"), True)
    assert loaded_store.undo() == "undid marking a source silent on a claim (AI researcher switches from Microsoft to OpenAI)"
    loaded_store.redo()
    loaded_store.set_silent(a.id, source_id("002"), False)
    assert loaded_store.undo() == "undid clearing a source's silent mark (AI researcher switches from Microsoft to OpenAI)"
