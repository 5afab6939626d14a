"""Source metadata, claims as objects, first appearance, verdicts and evidence (issue 11), from the CLI."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from reader.claims import matrix_for_store
from reader.exports import CSV_BASE_COLUMNS
from reader.store import open_store


def link(store, first: int, second: int, first_words: str, second_words: str, kind: str = "same"):
    text_a, text_b = store.text(first), store.text(second)
    start_a, start_b = text_a.index(first_words), text_b.index(second_words)
    a = store.add_annotation(first, start_a, start_a + len(first_words), tags=["claim"])
    b = store.add_annotation(second, start_b, start_b + len(second_words), tags=["claim"])
    store.add_link(a.id, b.id, kind)
    return a, b


def source_json(run_cli, prefix: str) -> dict:
    result = run_cli("sources", "--json")
    assert result.exit_code == 0, result.output
    return next(s for s in json.loads(result.output) if os.path.basename(s["path"]).startswith(prefix))


# --- source metadata ---------------------------------------------------------------------------------

def test_meta_sets_fields_that_win_over_sources_toml_and_survive_a_reload(run_cli, corpus_dir):
    result = run_cli("meta", "001", "--outlet", "Redmond Magazine", "--published", "2024-10-14",
                     "--url", "https://redmondmag.com/articles/2024/10/14/bubeck.aspx")
    assert result.exit_code == 0, result.output
    shown = source_json(run_cli, "001")
    assert shown["outlet"] == "Redmond Magazine"  # sources.toml says Converge360
    assert shown["author"] == "Gladys Rama"  # still from sources.toml
    assert shown["published"] == "2024-10-14"
    # The file changes: it is read again, and what the user set stays.
    path = next(corpus_dir.glob("001_*.txt"))
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    assert source_json(run_cli, "001")["outlet"] == "Redmond Magazine"
    # --unset goes back to sources.toml.
    assert run_cli("meta", "001", "--unset", "outlet").exit_code == 0
    assert source_json(run_cli, "001")["outlet"] == "Converge360"


def test_meta_refuses_a_bad_date_or_url_in_one_line_and_changes_nothing(run_cli):
    before = source_json(run_cli, "002")
    for option, value in (("--published", "14/10/2024"), ("--published", "last Monday"), ("--url", "javascript:alert(1)")):
        result = run_cli("meta", "002", option, value, "--outlet", "changed")
        assert result.exit_code != 0
        assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    assert source_json(run_cli, "002") == before


def test_meta_is_undoable(run_cli):
    run_cli("meta", "003", "--outlet", "CCN")
    assert source_json(run_cli, "003")["outlet"] == "CCN"
    result = run_cli("undo")
    assert "source" in result.output
    assert source_json(run_cli, "003")["outlet"] == ""


def test_html_metadata_comes_from_the_page_and_sources_toml_wins(run_cli, tmp_path):
    folder = tmp_path / "web"
    folder.mkdir()
    body = "".join(f"<p>Paragraph {n} of a report about a merger that two companies announced today.</p>"
                   for n in range(12))
    (folder / "page.html").write_text(
        '<html><head><title>Merger announced</title>'
        '<link rel="canonical" href="https://news.example.com/2024/merger">'
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2024-03-05T08:00:00+00:00">'
        '<meta name="author" content="Ada Reporter"></head>'
        f"<body><article><h1>Merger announced</h1>{body}</article></body></html>", encoding="utf-8")
    result = run_cli("sources", "--json", corpus=folder)
    assert result.exit_code == 0, result.output
    (page,) = json.loads(result.output)
    assert (page["url"], page["outlet"], page["author"]) == ("https://news.example.com/2024/merger", "Example News",
                                                             "Ada Reporter")
    assert page["published"].startswith("2024-03-05")
    (folder / "sources.toml").write_text('["page.html"]\noutlet = "The Example"\n', encoding="utf-8")
    (page,) = json.loads(run_cli("sources", "--json", corpus=folder).output)
    assert page["outlet"] == "The Example" and page["author"] == "Ada Reporter"


def test_csv_export_appends_the_source_metadata_columns(run_cli, loaded_store, source_id):
    run_cli("meta", "001", "--published", "2024-10-14", "--url", "https://example.org/001")
    text = loaded_store.text(source_id("001"))
    loaded_store.add_annotation(source_id("001"), 0, text.index("\n"), tags=["claim"])
    result = run_cli("export", "--format", "csv")
    header, row = list(csv.reader(io.StringIO(result.output)))
    assert header == [*CSV_BASE_COLUMNS, "source_url", "source_outlet", "source_published"]
    assert row[-3:] == ["https://example.org/001", "Converge360", "2024-10-14"]


def test_w3c_and_json_exports_carry_the_source_metadata(run_cli, loaded_store, source_id):
    run_cli("meta", "001", "--published", "2024-10-14")
    text = loaded_store.text(source_id("001"))
    loaded_store.add_annotation(source_id("001"), 0, text.index("\n"), tags=["claim"])
    w3c = json.loads(run_cli("export", "--format", "w3c").output)
    target = w3c["first"]["items"][0]["target"]
    assert target["http://purl.org/dc/terms/publisher"] == "Converge360"
    assert target["http://purl.org/dc/terms/issued"] == "2024-10-14"
    exported = json.loads(run_cli("export", "--format", "json").output)
    assert exported["sources"][0]["published"] == "2024-10-14"


# --- claims ------------------------------------------------------------------------------------------

def test_claims_json_lists_members_statuses_and_the_earliest_published_first_appearance(run_cli, loaded_store,
                                                                                         source_id):
    a, b = link(loaded_store, source_id("000"), source_id("001"),
                "Microsoft has invested an estimated $13 billion into OpenAI since 2019",
                "Microsoft has contributed over $13 billion to OpenAI")
    run_cli("meta", "000", "--published", "2024-10-16", "--outlet", "AI Wire")
    run_cli("meta", "001", "--published", "2024-10-14T18:00:00Z")
    result = run_cli("claims", "--json")
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.output)
    assert set(claim) == {"id", "text", "members", "statuses", "first_appearance", "verdict", "evidence"}
    assert {m["annotation"] for m in claim["members"]} == {a.id, b.id}
    assert claim["first_appearance"]["annotation"] == b.id  # 001 published two days earlier
    assert claim["first_appearance"]["date"] == "2024-10-14T18:00:00Z"
    assert claim["first_appearance"]["outlet"] == "Converge360"
    assert claim["text"] == "Microsoft has contributed over $13 billion to OpenAI"  # the earliest member's quote
    statuses = {name[:3]: status for name, status in claim["statuses"].items()}
    assert statuses == {"000": "differs", "001": "present"}  # the sources not listed are absent
    assert claim["verdict"] is None


def test_claims_sort_by_first_appearance(run_cli, loaded_store, source_id):
    first, _ = link(loaded_store, source_id("000"), source_id("003"), "Sebastien Bubeck", "Sebastien Bubeck")
    second, _ = link(loaded_store, source_id("002"), source_id("004"), "OpenAI", "OpenAI")
    run_cli("meta", "000", "--published", "2024-10-20")
    run_cli("meta", "002", "--published", "2024-10-15")
    ids = [c["id"] for c in json.loads(run_cli("claims", "--json").output)]
    assert ids == [second.id, first.id]
    ids = [c["id"] for c in json.loads(run_cli("claims", "--json", "--sort", "reading").output)]
    assert ids == [first.id, second.id]


def test_claim_text_is_editable_and_the_id_survives_a_new_member(run_cli, loaded_store, source_id):
    a, b = link(loaded_store, source_id("001"), source_id("003"), "Sébastien Bubeck", "Sebastien Bubeck")
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    assert run_cli("claim", claim_id[:8], "--text", "Bubeck leaves Microsoft for OpenAI").exit_code == 0
    # A member in a source that comes first in reading order joins the claim.
    text = loaded_store.text(source_id("000"))
    start = text.index("Sebastien Bubeck")
    c = loaded_store.add_annotation(source_id("000"), start, start + len("Sebastien Bubeck"))
    loaded_store.add_link(c.id, b.id, "same")
    (claim,) = json.loads(run_cli("claims", "--json").output)
    assert claim["id"] == claim_id
    assert claim["text"] == "Bubeck leaves Microsoft for OpenAI"
    assert len(claim["members"]) == 3


# --- verdicts and evidence -----------------------------------------------------------------------------

def test_verdict_with_note_and_evidence_is_shown_exported_and_undoable(run_cli, loaded_store, source_id, tmp_path):
    a, b = link(loaded_store, source_id("001"), source_id("004"), "over $13 billion", "an additional $10 billion")
    text = loaded_store.text(source_id("000"))
    start = text.index("an estimated $13 billion")
    other = loaded_store.add_annotation(source_id("000"), start, start + 24, tags=["number"])
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    result = run_cli("verdict", claim_id, "Mostly-True", "--note", "Reported totals agree",
                     "--evidence", "https://www.sec.gov/filing", "--evidence", other.id)
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(run_cli("claims", "--json").output)
    verdict = claim["verdict"]
    assert (verdict["rating"], verdict["value"], verdict["note"]) == ("mostly true", 4, "Reported totals agree")
    assert [(e["kind"], e["value"]) for e in verdict["evidence"]] == [("url", "https://www.sec.gov/filing"),
                                                                      ("annotation", other.id)]
    exported = json.loads(run_cli("export", "--format", "json").output)
    assert exported["claims"][0]["verdict"]["rating"] == "mostly true"
    report = tmp_path / "report.html"
    assert run_cli("report", "-o", str(report)).exit_code == 0
    assert "mostly true" in report.read_text(encoding="utf-8")
    assert "claim" in run_cli("undo").output
    assert json.loads(run_cli("claims", "--json").output)[0]["verdict"] is None


def test_bad_verdicts_get_one_line_and_change_nothing(run_cli, loaded_store, source_id):
    link(loaded_store, source_id("001"), source_id("004"), "over $13 billion", "an additional $10 billion")
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    for args in (("verdict", claim_id, "pants on fire"), ("verdict", "ffffffffff", "true"),
                 ("verdict", claim_id, "true", "--evidence", "not a url"),
                 ("evidence", claim_id, "https://ok.example", "ftp://nope")):
        result = run_cli(*args)
        assert result.exit_code != 0, args
        assert result.output.count("\n") == 1 and "Traceback" not in result.output, result.output
    assert json.loads(run_cli("claims", "--json").output)[0]["verdict"] is None
    assert loaded_store.query("SELECT count(*) AS n FROM claims")[0]["n"] == 0


def test_the_rating_scale_comes_from_the_settings(run_cli, loaded_store, source_id, monkeypatch, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[[ratings]]\nname = "correct"\nvalue = 2\n\n[[ratings]]\nname = "wrong"\nvalue = 0\n',
                      encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(config))
    link(loaded_store, source_id("001"), source_id("004"), "over $13 billion", "an additional $10 billion")
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    assert run_cli("verdict", claim_id, "true").exit_code != 0
    assert run_cli("verdict", claim_id, "wrong").exit_code == 0
    assert json.loads(run_cli("claims", "--json").output)[0]["verdict"]["value"] == 0


def test_matrix_csv_shows_supports_and_contradicts(run_cli, loaded_store, source_id):
    a, _ = link(loaded_store, source_id("000"), source_id("001"), "Sebastien Bubeck joined Microsoft",
                "spent 10 years at Microsoft Research", kind="supports")
    text = loaded_store.text(source_id("003"))
    start = text.index("For over a decade")
    c = loaded_store.add_annotation(source_id("003"), start, start + 17)
    loaded_store.add_link(a.id, c.id, "contradicts")
    header, row = list(csv.reader(io.StringIO(run_cli("export", "--format", "matrix-csv").output)))
    cells = dict(zip(header, row))
    titles = {s.name[:3]: s.title for s in loaded_store.sources()}
    assert (cells[titles["000"]], cells[titles["001"]], cells[titles["003"]]) == ("present", "supports", "contradicts")
    _, claims = matrix_for_store(loaded_store)
    assert claims[0].cells[source_id("001")].differing_words == []


def test_json_export_and_import_carry_verdicts_and_claim_text_once(run_cli, loaded_store, source_id, tmp_path):
    a, b = link(loaded_store, source_id("001"), source_id("004"), "over $13 billion", "an additional $10 billion")
    claim_id = json.loads(run_cli("claims", "--json").output)[0]["id"]
    run_cli("claim", claim_id, "--text", "Microsoft put $13 billion into OpenAI")
    run_cli("verdict", claim_id, "mixed", "--note", "Depends on the year", "--evidence", "https://example.org/10k")
    exported = tmp_path / "all.json"
    assert run_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    for _ in range(2):  # a second import adds nothing
        result = run_cli("import", str(exported), db=other)
        assert result.exit_code == 0, result.output
        (claim,) = json.loads(run_cli("claims", "--json", db=other).output)
        assert claim["id"] == claim_id and claim["text"] == "Microsoft put $13 billion into OpenAI"
        assert (claim["verdict"]["rating"], claim["verdict"]["value"], claim["verdict"]["note"]) == (
            "mixed", 3, "Depends on the year")
        assert [e["value"] for e in claim["verdict"]["evidence"]] == ["https://example.org/10k"]


def test_the_sources_table_shows_the_published_date(run_cli):
    run_cli("meta", "001", "--published", "2024-10-14T18:00:00Z")
    header, *rows = run_cli("sources").output.splitlines()
    assert header.split()[:4] == ["id", "title", "outlet", "published"]
    assert any("2024-10-14" in row and "001_" in row for row in rows)


def test_claims_table_tells_apart_sources_whose_names_start_alike(run_cli, tmp_path):
    """QA: with harbour.md and harbour.txt the sources column read 'har:present har:contradicts'."""
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "harbour.md").write_text("The terminal cost €48 million, the city said.\n", encoding="utf-8")
    (folder / "harbour.txt").write_text("The terminal cost 52 million euros, the union said.\n", encoding="utf-8")
    assert run_cli("add", str(folder), corpus=folder).exit_code == 0
    first = run_cli("annotate", "harbour.md", "--quote", "€48 million", corpus=folder).output.strip()
    second = run_cli("annotate", "harbour.txt", "--quote", "52 million euros", corpus=folder).output.strip()
    assert run_cli("link", first, second, "--kind", "contradicts", corpus=folder).exit_code == 0
    result = run_cli("claims", corpus=folder)
    assert result.exit_code == 0, result.output
    row = result.output.splitlines()[1]
    assert "harbour.m:present" in row and "harbour.t:contradicts" in row


def test_json_export_and_import_carry_the_metadata_the_user_set(run_cli, tmp_path):
    """QA: a JSON export imported into a fresh database lost what `reader meta` had set."""
    assert run_cli("meta", "001", "--outlet", "Redmond Mag", "--published", "2024-10-14").exit_code == 0
    assert run_cli("annotate", "001", "--quote", "over $13 billion").exit_code == 0  # the export lists its source
    exported = tmp_path / "all.json"
    assert run_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    other = tmp_path / "other.db"
    for _ in range(2):  # the second import changes nothing
        result = run_cli("import", str(exported), db=other)
        assert result.exit_code == 0, result.output
        shown = json.loads(run_cli("meta", "001", "--json", db=other).output)
        assert (shown["outlet"], shown["published"]) == ("Redmond Mag", "2024-10-14"), result.output
    store = open_store(other)
    try:
        assert len(store.query("SELECT 1 FROM events WHERE entity = 'source'")) == 1
    finally:
        store.close()


@pytest.mark.parametrize("utf8_stream", [True, False])
def test_indented_json_prints_what_the_standard_encoder_prints_ascii_or_not(monkeypatch, utf8_stream):
    """claims --json (and compare's JSON) print through echo_indented_json: ASCII goes out as msgspec's bytes,
    anything else escaped as text; both read exactly as _json(value, indent=2) and a new line."""
    import click
    from click.testing import CliRunner

    from reader.cli import _json
    from reader.commands import claims
    from reader.commands.claims import echo_indented_json

    monkeypatch.setattr(claims, "_writes_utf8", lambda: utf8_stream)  # escaped in bytes, or as text
    values = [
        [{"id": "a1", "text": "Altman said $13 billion", "members": [{"start": 0, "end": 5}], "verdict": None}],
        [{"text": "Bubeck’s “exit” — Sébastien", "n": [1, 2.5, True]}],
        [{"text": "hidden\u2028line\u202eflip\x7fdel\x1b[31m red", "empty": {}, "list": []}],
        [{"text": "\x80\x85\x9f\xa0\u061b\u061c\u200a\u200b\u200f\u2010\u2027\u202f\u205f\u2060\u206f\u2070\ufeff\ufffd"}],
        [{"text": "".join(map(chr, range(0x70, 0x2100))) + "\ufefe\ufeff\uff00"}],
        [],
    ]
    for value in values:
        printed = CliRunner().invoke(click.command()(lambda value=value: echo_indented_json(value)))
        assert printed.exit_code == 0, printed.output
        assert printed.output == _json(value, indent=2) + "\n"
