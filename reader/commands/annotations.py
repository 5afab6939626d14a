"""`reader annotate`, `annotations`, `edit`, `delete`, `link`, `undo`, `redo` and the `tags` group: annotations
and their tags, made, listed and changed from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from reader.cli import Context, SuggestingGroup, _echo_json_rows, _json, _one_line, cli, passage_span
from reader.model import LINK_KINDS, LinkKind
from reader.text import display_safe

NOTE_CELLS = 60  # a note in `reader annotations`, on the annotation's line, cut with an ellipsis beyond


@cli.command()
@click.argument("source")
@click.option(
    "--quote", required=True, help="The exact words to annotate (white space and quote marks are matched loosely)."
)
@click.option(
    "--occurrence", type=click.IntRange(min=1), help="Which occurrence, when the quote appears more than once."
)
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable); new tags are created.")
@click.option("--note", default="", help="A note on the annotation.")
@click.pass_obj
def annotate(obj: Context, source: str, quote: str, occurrence: int | None, tags: tuple[str, ...], note: str) -> None:
    """Annotate a passage of SOURCE found by its words; prints the new annotation's id."""
    store, _ = obj.synced_store([source])
    found = obj.source(store, source)
    start, end = passage_span(store, found, quote, occurrence)
    annotation = store.add_annotation(found.id, start, end, tags=tags, note=note)
    click.echo(_one_line(annotation.id))


@cli.command("annotations")
@click.argument("source", required=False)
@click.option("--tag", help="Only annotations with this tag.")
@click.option("--author", "authors", multiple=True, help="Only annotations by this author (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array of objects (as `sources --json`).")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="Print JSON Lines: one object a line.")
@click.pass_obj
def list_annotations(
    obj: Context, source: str | None, tag: str | None, authors: tuple[str, ...], as_json: bool, as_jsonl: bool
) -> None:
    """List annotations (of SOURCE, or all), with their status, tags and notes."""
    store, _ = obj.synced_store([source])
    source_id = obj.source(store, source).id if source else None
    rows = store.iter_annotation_rows(source_id=source_id, tag=tag, authors=list(authors) or None)
    if as_json or as_jsonl:
        _echo_json_rows(rows, lines=as_jsonl)
        return
    from reader.presentation import fit_cells

    listed = 0
    for row in rows:
        quote = fit_cells(display_safe(row["quote"].replace("\n", " ")), 70)
        note = fit_cells(display_safe(" ".join((row.get("note") or "").split())), NOTE_CELLS)
        click.echo(
            f"{_one_line(row['id'])}  {display_safe(Path(row['source_path']).name)} {row['start']}-{row['end']}  "
            f"{row['anchor_status']}  [{display_safe(row['tags'] or '')}]  {quote}" + (f" — {note}" if note else "")
        )
        listed += 1
    if not listed:  # a typo in a name must not look like an empty project; stdout stays empty for pipes
        click.echo(_one_line(_nothing_matched(source, tag, authors)), err=True)


def _nothing_matched(source: str | None, tag: str | None, authors: tuple[str, ...]) -> str:
    """'no annotations' and the filters that matched nothing: 'no annotations by nobody with tag x'."""
    parts = ["no annotations"]
    if source:
        parts.append(f"in {source}")
    if authors:
        parts.append("by " + " or ".join(authors))
    if tag:
        parts.append(f"with tag {tag}")
    return " ".join(parts)


@cli.command()
@click.argument("annotation_id")
@click.option("--note", help="Replace the note.")
@click.option("--tag", "tags", multiple=True, help="Replace the tags (repeatable).")
@click.option("--add-tag", "add_tags", multiple=True, help="Add a tag, keeping the others (repeatable).")
@click.pass_obj
def edit(obj: Context, annotation_id: str, note: str | None, tags: tuple[str, ...], add_tags: tuple[str, ...]) -> None:
    """Change an annotation's note or tags."""
    store = obj.store()
    annotation_id = store.annotation_id_for(annotation_id)
    store.update_annotation(annotation_id, note=note, tags=list(tags) if tags else None, add_tags=add_tags)
    click.echo(_one_line(annotation_id))


@cli.command()
@click.argument("annotation_id")
@click.pass_obj
def delete(obj: Context, annotation_id: str) -> None:
    """Delete an annotation (undo brings it back)."""
    store = obj.store()
    annotation_id = store.annotation_id_for(annotation_id)
    store.delete_annotation(annotation_id)
    click.echo(f"deleted {_one_line(annotation_id)}")


@cli.command()
@click.argument("from_annotation")
@click.argument("to_annotation")
@click.option(
    "--kind",
    type=click.Choice(LINK_KINDS),
    default=LinkKind.SAME.value,  # a plain string: click.Choice would read a member by its name
    show_default=True,
    help="The same claim, or one supporting or contradicting the other.",
)
@click.pass_obj
def link(obj: Context, from_annotation: str, to_annotation: str, kind: str) -> None:
    """Link two annotations (usually in different sources); prints the link's id. The pair model of
    suggested alignments learns from it (reader.comparison.record_link)."""
    from reader.comparison import record_link

    store = obj.store()
    from_annotation, to_annotation = store.annotation_id_for(from_annotation), store.annotation_id_for(to_annotation)
    with store.write():
        made = store.add_link(from_annotation, to_annotation, kind)
        record_link(store, from_annotation, to_annotation)
    click.echo(_one_line(made.id))


@cli.command()
@click.pass_obj
def undo(obj: Context) -> None:
    """Undo the last change to annotations, tags or links (from the event log)."""
    click.echo(_one_line(obj.store().undo() or "nothing to undo"))


@cli.command()
@click.pass_obj
def redo(obj: Context) -> None:
    """Redo the last undone change."""
    click.echo(_one_line(obj.store().redo() or "nothing to redo"))


@cli.group(cls=SuggestingGroup, default="list", default_if_no_args=True)
def tags() -> None:
    """List and manage tags: list, add, rename, merge, delete, colour."""


@tags.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def tags_list(obj: Context, as_json: bool) -> None:
    """List tags with their colour, key and number of uses."""
    found = obj.store().tags()
    if as_json:
        click.echo(
            _json(
                [{"name": t.name, "colour": t.colour, "description": t.description, "uses": t.uses} for t in found],
                indent=2,
            )
        )
        return
    for index, tag in enumerate(found, 1):
        key = str(index) if index <= 9 else " "
        click.echo(f"{key}  {display_safe(tag.name):<16} {tag.colour}  {tag.uses:>5}  {display_safe(tag.description)}")


@tags.command("add")
@click.argument("name")
@click.option("--colour", "--color", "colour", default="", help="A colour name or #rrggbb.")
@click.option("--description", default="")
@click.pass_obj
def tags_add(obj: Context, name: str, colour: str, description: str) -> None:
    """Add a tag."""
    tag = obj.store().add_tag(name, colour, description)
    click.echo(f"added {display_safe(tag.name)} {tag.colour}")


@tags.command("rename")
@click.argument("old")
@click.argument("new")
@click.pass_obj
def tags_rename(obj: Context, old: str, new: str) -> None:
    """Rename a tag (everything tagged with it follows)."""
    tag = obj.store().update_tag(old, new_name=new)
    click.echo(f"renamed to {display_safe(tag.name)}")


@tags.command("merge")
@click.argument("source")
@click.argument("target")
@click.pass_obj
def tags_merge(obj: Context, source: str, target: str) -> None:
    """Move every use of SOURCE onto TARGET and delete SOURCE."""
    tag = obj.store().merge_tags(source, target)
    click.echo(f"merged into {display_safe(tag.name)} ({tag.uses} uses)")


@tags.command("delete")
@click.argument("name")
@click.pass_obj
def tags_delete(obj: Context, name: str) -> None:
    """Delete a tag (annotations keep their other tags; undo restores it)."""
    obj.store().delete_tag(name)
    click.echo(f"deleted {display_safe(name)}")


@tags.command("colour")
@click.argument("name")
@click.argument("colour")
@click.pass_obj
def tags_colour(obj: Context, name: str, colour: str) -> None:
    """Set a tag's colour (a name such as 'red' or #rrggbb)."""
    tag = obj.store().update_tag(name, colour=colour)
    click.echo(f"{display_safe(tag.name)} {tag.colour}")
