"""REFI-QDA export and import: the project validates against the published schema, round-trips, and bad
files are refused in one line with nothing changed."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree

from reader.qdpx import CODEBOOK_NS, PROJECT_NS, guid_for

ROOT = Path(__file__).resolve().parents[2]
Q = {"q": PROJECT_NS}


def shared_schema_path() -> Path:
    """The REFI-QDA schema in ../shared/refi-qda beside the checkout (CI), or beside a folder above it
    (a worktree); the reference copy, not the one the package ships."""
    for folder in (ROOT, *ROOT.parents):
        candidate = folder.parent / "shared" / "refi-qda" / "Project-mrt2019.xsd"
        if candidate.is_file():
            return candidate
    raise AssertionError("the REFI-QDA schema ../shared/refi-qda/Project-mrt2019.xsd is missing")


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(shared_schema_path())))


def annotate(store, source_id, words, tags=("claim",), note=""):
    text = store.text(source_id)
    start = text.index(words)
    return store.add_annotation(source_id, start, start + len(words), tags=list(tags), note=note)


@pytest.fixture
def annotated(loaded_store, source_id):
    store = loaded_store
    a = annotate(store, source_id("001"), "over $13 billion", ("claim", "number"), note="Check the 10-K <&> \x07")
    store.add_tag("disputed", "#aa3366", "Two sources disagree")
    b = annotate(store, source_id("004"), "an additional $10 billion", ("number", "disputed"))
    c = annotate(store, source_id("000"), "Sebastien Bubeck joined Microsoft", ("quote",))
    store.add_link(a.id, b.id, "contradicts")
    store.add_link(c.id, a.id, "same")
    store.update_tag("claim", description="A statement of fact <checked>")
    return store, (a, b, c)


def test_qdpx_export_validates_and_holds_texts_codes_selections_notes_and_links(run_cli, annotated, schema, tmp_path):
    store, (a, b, c) = annotated
    target = tmp_path / "project.qdpx"
    result = run_cli("export", "--format", "qdpx", "-o", str(target))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        document = etree.fromstring(archive.read("project.qde"))
        assert schema.validate(etree.ElementTree(document)), schema.error_log
        texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.startswith("sources/")}
    sources = document.findall("q:Sources/q:TextSource", Q)
    assert len(sources) == len(store.sources()) == len(texts)
    codes = {code.get("name"): code for code in document.iterfind("q:CodeBook/q:Codes/q:Code", Q)}
    assert set(codes) == {t.name for t in store.tags()}
    assert codes["claim"].get("color") == store.tag("claim").colour
    assert codes["claim"].findtext("q:Description", namespaces=Q) == "A statement of fact <checked>"
    assert [u.get("name") for u in document.iterfind("q:Users/q:User", Q)] == [a.author]
    selections = {}
    for source in sources:
        text = texts["sources/" + source.get("plainTextPath").removeprefix("internal://")]
        for selection in source.iterfind("q:PlainTextSelection", Q):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            selections[selection.get("guid")] = (source.get("name"), text[start:end], selection)
    name, quote, selection = selections[guid_for(a.id)]
    assert name.startswith("001") and quote == "over $13 billion"
    coded = {ref.get("targetGUID") for ref in selection.iterfind("q:Coding/q:CodeRef", Q)}
    assert coded == {codes["claim"].get("guid"), codes["number"].get("guid")}
    (note_ref,) = selection.iterfind("q:NoteRef", Q)
    notes = {n.get("guid"): n.findtext("q:PlainTextContent", namespaces=Q) for n in document.iterfind("q:Notes/q:Note", Q)}
    assert notes[note_ref.get("targetGUID")] == "Check the 10-K <&> \ufffd"  # a control character XML cannot hold
    links = {(l.get("originGUID"), l.get("targetGUID")): l.get("name") for l in document.iterfind("q:Links/q:Link", Q)}
    assert links == {(guid_for(a.id), guid_for(b.id)): "contradicts", (guid_for(c.id), guid_for(a.id)): "same"}


def test_qdpx_round_trip_into_a_fresh_database_is_complete_and_idempotent(run_cli, annotated, tmp_path, corpus_dir):
    store, (a, b, c) = annotated
    target = tmp_path / "project.qdpx"
    assert run_cli("export", "--format", "qdpx", "-o", str(target)).exit_code == 0
    other = tmp_path / "other.db"
    result = run_cli("import", str(target), db=other)
    assert result.exit_code == 0, result.output
    assert "imported 3 annotations" in result.output
    from reader.store import open_store

    fresh = open_store(other)
    try:
        def shape(s):
            return sorted((x.id, s.source(x.source_id).name, x.start, x.end, x.quote, sorted(x.tags), x.note.replace("\x07", "\ufffd"))
                          for x in s.annotations())
        assert shape(fresh) == shape(store)
        assert sorted((l.from_annotation, l.to_annotation, l.kind) for l in fresh.links()) == \
            sorted((l.from_annotation, l.to_annotation, l.kind) for l in store.links())
        disputed = fresh.tag("disputed")  # a tag the database did not have comes with its colour and description
        assert (disputed.colour, disputed.description) == ("#aa3366", "Two sources disagree")
    finally:
        fresh.close()
    again = run_cli("import", str(target), db=other)
    assert again.exit_code == 0 and "imported 0 annotations (3 already present)" in again.output, again.output


def _state(store):
    return (store.query("SELECT count(*) AS n FROM annotations")[0]["n"], store.query("SELECT count(*) AS n FROM events")[0]["n"])


def test_bad_qdpx_files_get_one_line_and_change_nothing(run_cli, annotated, tmp_path):
    store, _ = annotated
    before = _state(store)
    not_zip = tmp_path / "notzip.qdpx"
    not_zip.write_text("hello", encoding="utf-8")
    no_project = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(no_project, "w") as archive:
        archive.writestr("readme.txt", "nothing")
    bad_schema = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(bad_schema, "w") as archive:
        archive.writestr("project.qde", f'<Project xmlns="{PROJECT_NS}"><Sources><TextSource name="x"/></Sources></Project>')
    not_xml = tmp_path / "notxml.qdpx"
    with zipfile.ZipFile(not_xml, "w") as archive:
        archive.writestr("project.qde", "<Project")
    for path, words in ((not_zip, "not a zip"), (no_project, "no project.qde"), (bad_schema, "REFI-QDA schema"),
                        (not_xml, "not readable XML")):
        result = run_cli("import", str(path))
        assert result.exit_code != 0, path
        assert words in result.output and result.output.count("\n") == 1, result.output
    assert _state(store) == before


def test_qdpx_needs_a_file_and_qdc_writes_the_codebook(run_cli, annotated, schema, tmp_path):
    store, _ = annotated
    result = run_cli("export", "--format", "qdpx")
    assert result.exit_code != 0 and "-o FILE.qdpx" in result.output
    target = tmp_path / "codes.qdc"
    result = run_cli("export", "-o", str(target))  # the format from the suffix
    assert result.exit_code == 0, result.output
    assert f"exported {len(store.tags())} codes to" in result.output  # counted as the suffix's format counts
    codebook = etree.parse(str(target)).getroot()
    assert codebook.tag == f"{{{CODEBOOK_NS}}}CodeBook"
    codes = codebook.findall(f"{{{CODEBOOK_NS}}}Codes/{{{CODEBOOK_NS}}}Code")
    assert [c.get("name") for c in codes] == [t.name for t in store.tags()]
    # The codebook schema has the project's Code type in its own namespace: the same codes validate in a project.
    project = etree.fromstring(f'<Project xmlns="{PROJECT_NS}" name="p"><CodeBook/></Project>')
    codes_element = etree.SubElement(project[0], f"{{{PROJECT_NS}}}Codes")
    for code in codes:
        for element in code.iter():
            element.tag = f"{{{PROJECT_NS}}}" + etree.QName(element).localname
        codes_element.append(code)
    assert schema.validate(etree.ElementTree(project)), schema.error_log
