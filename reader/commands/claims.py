"""Commands for fact-checking: source metadata (meta), claims (claims, claim), verdicts and evidence."""

from __future__ import annotations

import re
import sys

import click

from reader.cli import _JSON_UNSAFE, Context, _json, _one_line, _print_columns, cli
from reader.collector import paused_gc
from reader.model import ClaimStatus
from reader.text import display_safe


@cli.command()
@click.argument("source")
@click.option("--url", help="The article's address (http or https).")
@click.option("--outlet", help="Who published it (newspaper, site, agency).")
@click.option("--author", help="Who wrote it.")
@click.option("--published", help="When it was published: ISO 8601 date or date-time (2024-10-14, 2024-10-14T09:30Z).")
@click.option("--title", help="The article's title.")
@click.option(
    "--unset",
    "unset",
    multiple=True,
    type=click.Choice(["url", "outlet", "author", "published", "title"]),
    help="Drop your own value for this field, going back to sources.toml or the file (repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metadata as JSON.")
@click.pass_obj
def meta(
    obj: Context,
    source: str,
    url: str | None,
    outlet: str | None,
    author: str | None,
    published: str | None,
    title: str | None,
    unset: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show or set SOURCE's metadata: url, outlet, author, published, title.

    What you set here wins over sources.toml beside the file, which wins over what the file states
    (HTML meta tags and JSON-LD, PDF, EPUB and DOCX properties). Undo takes a change back.
    """
    from reader.metadata import METADATA_FIELDS
    from reader.store.claims import set_source_metadata, source_metadata_layers

    store, _ = obj.synced_store()
    found = store.resolve_source(source)
    given = {
        key: value
        for key, value in (
            ("url", url),
            ("outlet", outlet),
            ("author", author),
            ("published", published),
            ("title", title),
        )
        if value is not None
    }
    if given or unset:
        set_source_metadata(store, found.id, given, list(unset))
    found = store.source(found.id)
    file_values, user_values = source_metadata_layers(store, found.id)
    shown = {key: getattr(found, key) for key in METADATA_FIELDS}
    if as_json:
        click.echo(_json({"id": found.id, "path": found.path, **shown, "set_by_user": sorted(user_values)}, indent=2))
        return
    for key in METADATA_FIELDS:
        origin = "you" if key in user_values else ("file" if file_values.get(key) else "")
        click.echo(f"{key:<10} {_one_line(shown[key]) or '-'}" + (f"  ({origin})" if origin and shown[key] else ""))


def _claims_and_sources(obj: Context):
    from reader.claims import matrix_for_store

    store, _ = obj.synced_store()
    sources, claims = matrix_for_store(store)
    return store, sources, claims


@cli.command("claims")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of claims.")
@click.option(
    "--sort",
    "order",
    type=click.Choice(["first", "reading"]),
    default="first",
    show_default=True,
    help="first: by first appearance (who said it first; undated last); reading: in reading order.",
)
@click.pass_obj
def claims_command(obj: Context, as_json: bool, order: str) -> None:
    """List the claims (annotations linked across sources): id, text, first appearance, verdict, and
    each source's status (present, differs, supports, contradicts, silent, absent)."""
    from reader.claims import claim_json, sort_by_first_appearance

    _, sources, claims = _claims_and_sources(obj)
    if order == "first":
        claims = sort_by_first_appearance(claims)
    if as_json:
        by_id = {source.id: source for source in sources}
        names = {source.id: source.name for source in sources}
        with paused_gc():  # 10,000 claims' dicts hold no cycles
            echo_indented_json([claim_json(claim, by_id, names) for claim in claims])
        return
    if not claims:
        click.echo("no claims yet: link annotations in different sources (`reader link A B`)", err=True)
        return
    short = _short_names([source.name for source in sources])
    rows = []
    for claim in claims:
        first = claim.first_appearance
        first_text = f"{first.published[:10]} {first.source.outlet or first.source.name}" if first else "-"
        verdict = claim.verdict["rating"] if claim.verdict else "-"
        statuses = " ".join(
            f"{short[source.name]}:{claim.cells[source.id].status}"
            for source in sources
            if claim.cells[source.id].status != ClaimStatus.ABSENT
        )
        rows.append((claim.id[:12], claim.label, first_text, verdict, statuses))
    _print_columns(("id", "claim", "first appearance", "verdict", "sources"), rows, right_aligned=set(), flexible=1)


def echo_indented_json(value) -> None:
    """Print what _json(value, indent=2) prints, encoded by msgspec (C): json.dumps with an indent runs the
    pure-Python encoder, ten seconds for 10,000 claims of ten members (floats in exponent notation aside:
    1e-05 is written 0.00001). To a UTF-8 stream (the usual case) the JSON goes out as the bytes msgspec wrote,
    the characters _json escapes found and escaped in those bytes: decoding, scanning and encoding again as
    text took 0.4 s of the 70 MB a million-line source aligns to; ASCII reads the same in any encoding."""
    import msgspec

    encoded = msgspec.json.format(msgspec.json.encode(value), indent=2)
    if not encoded.isascii() or b"\x7f" in encoded:
        if not _writes_utf8():
            click.echo(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded.decode("utf-8")))
            return
        # Looked for first in the bytes that are not ASCII (one pass in C): the pattern's search of 70 MB took
        # 0.15 s. A character is all its bytes, none of them ASCII, so a match there is one in the JSON.
        if b"\x7f" in encoded or _JSON_UNSAFE_UTF8.search(encoded.translate(None, _ASCII_BYTES)):
            encoded = _JSON_UNSAFE_UTF8.sub(lambda match: b"\\u%04x" % ord(match.group().decode("utf-8")), encoded)
    click.echo(encoded, nl=False)  # the new line apart: echo would copy 70 MB to append it
    click.echo(b"\n", nl=False)


# reader.cli._JSON_UNSAFE in UTF-8: U+007F-009F, U+061C, U+200B-200F, U+2028-202E, U+2060-206F and U+FEFF
# (a match can only start on a lead byte, so it is always one whole character).
_JSON_UNSAFE_UTF8 = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xaf]|\xef\xbb\xbf"
)


_ASCII_BYTES = bytes(range(128))


def _writes_utf8() -> bool:
    """Whether standard output encodes text as UTF-8 (its bytes are then what printing the text would give)."""
    import codecs

    try:
        return codecs.lookup(getattr(sys.stdout, "encoding", None) or "ascii").name == "utf-8"
    except LookupError:
        return False


def _short_names(names: list[str], shortest: int = 3) -> dict[str, str]:
    """Each name cut to the shortest prefix (at least `shortest` characters) no other name starts with,
    so 'harbour.md' and 'harbour.txt' read 'harbour.m' and 'harbour.t', not 'har' twice."""
    short = {}
    for name in names:
        length = shortest
        while length < len(name) and any(other != name and other.startswith(name[:length]) for other in names):
            length += 1
        short[name] = name[:length]
    return short


def _resolve(obj: Context, reference: str):
    from reader.claims import resolve_claim

    store, sources, claims = _claims_and_sources(obj)
    return store, sources, resolve_claim(claims, reference)


@cli.command("claim")
@click.argument("claim_id")
@click.option("--text", help="Your wording of the claim ('' goes back to the first appearance's quote).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def claim_command(obj: Context, claim_id: str, text: str | None, as_json: bool) -> None:
    """Show one claim (by id or its first characters), or set its text."""
    from reader.claims import claim_json
    from reader.store.claims import set_claim_text

    store, sources, claim = _resolve(obj, claim_id)
    if text is not None:
        set_claim_text(store, claim.id, [m.id for m in claim.members], text)
        store, sources, claim = _resolve(obj, claim.id)
    record = claim_json(claim, sources)
    if as_json:
        click.echo(_json(record, indent=2))
        return
    click.echo(f"{claim.id}  {_one_line(claim.label)}")
    first = record["first_appearance"]
    if first:
        click.echo(f"first appearance: {_one_line(first['date'])} {_one_line(first['outlet'] or first['source'])}")
    for name, status in record["statuses"].items():
        click.echo(f"  {_one_line(name)}: {status}")
    verdict = record["verdict"]
    if verdict:
        click.echo(
            f"verdict: {_one_line(verdict['rating'])}" + (f" — {_one_line(verdict['note'])}" if verdict["note"] else "")
        )
    for item in record["evidence"]:
        note = f" — {_one_line(item['note'])}" if item["note"] else ""
        click.echo(f"  evidence ({item['kind']}): {_one_line(item['value'])}{note}")


@cli.command()
@click.argument("claim_id")
@click.argument("rating")
@click.option("--note", help="Why: the verdict's explanation.")
@click.option(
    "--evidence", "evidence", multiple=True, help="A URL or an annotation id backing the verdict (repeatable)."
)
@click.option("--url", "review_url", help="Where the fact-check is published (the ClaimReview's url).")
@click.pass_obj
def verdict(
    obj: Context, claim_id: str, rating: str, note: str | None, evidence: tuple[str, ...], review_url: str | None
) -> None:
    """Give CLAIM_ID a verdict: RATING is a name on the scale (default: true, "mostly true", mixed,
    "mostly false", false, unproven; see `reader config`). Undo takes it back."""
    from reader.store.claims import rating_on_scale, set_verdict

    chosen = rating_on_scale(obj.settings().ratings, rating)  # before any work: one line if it is not on the scale
    store, _, claim = _resolve(obj, claim_id)
    set_verdict(
        store, claim.id, [m.id for m in claim.members], chosen.name, chosen.value, note, list(evidence), review_url
    )
    click.echo(f"{claim.id}: {display_safe(chosen.name)}" + (f", {len(evidence)} evidence" if evidence else ""))


@cli.command()
@click.argument("claim_id")
@click.argument("references", nargs=-1, required=True)
@click.option("--note", default="", help="What the evidence shows.")
@click.pass_obj
def evidence(obj: Context, claim_id: str, references: tuple[str, ...], note: str) -> None:
    """Add evidence to a claim: URLs or annotation ids (in other sources). Each is one undo step."""
    from reader.store.claims import add_evidence, check_evidence

    store, _, claim = _resolve(obj, claim_id)
    for reference in references:
        check_evidence(store, reference)  # all checked before any is added
    for reference in references:
        add_evidence(store, claim.id, [m.id for m in claim.members], reference, note)
    click.echo(f"{claim.id}: added {len(references)} evidence")
