"""`reader sync`: push and pull annotations through a team hub on PostgreSQL, and settle conflicts."""

from __future__ import annotations

import click

from reader.cli import Context, _json, _one_line, cli

HUB_HELP = "postgresql://USER@HOST:PORT/DB"


def _summary(entity: str, payload: dict | None) -> str:
    """One short line saying what a version of an entity held (untrusted text: made safe by the caller)."""
    if payload is None:
        return "deleted"
    if entity == "annotation":
        quote = str(payload.get("quote") or "")
        parts = [f'"{quote[:40]}{"…" if len(quote) > 40 else ""}"']
        if payload.get("note"):
            note = str(payload["note"])
            parts.append(f'note "{note[:40]}{"…" if len(note) > 40 else ""}"')
        if payload.get("tags"):
            parts.append("tags " + ";".join(map(str, payload["tags"])))
        return " ".join(parts)
    if entity == "tag":
        return f'tag "{payload.get("name", "")}" {payload.get("colour", "")}'.strip()
    if entity == "pair_decision":
        quotes = [str(payload.get(f"quote_{side}") or "") for side in ("a", "b")]
        return f"{payload.get('decision', '')} " + " and ".join(
            f'"{quote[:30]}{"…" if len(quote) > 30 else ""}"' for quote in quotes
        )
    text = ", ".join(f"{k}={v}" for k, v in sorted(payload.items()) if not isinstance(v, (list, dict)))
    return text[:80]


@cli.command("sync")
@click.argument("url", required=False, envvar="READER_HUB")
@click.option(
    "--conflicts",
    "list_conflicts",
    is_flag=True,
    help="List concurrent edits that lost (kept here until resolved); no hub needed.",
)
@click.option("--all", "include_resolved", is_flag=True, help="With --conflicts: resolved ones too.")
@click.option("--resolve", "resolve_id", type=int, metavar="N", help="Settle conflict N (with --keep).")
@click.option(
    "--keep",
    type=click.Choice(["kept", "lost"]),
    help="With --resolve: keep the version that won, or bring back the one that lost.",
)
@click.option(
    "--status",
    "show_status",
    is_flag=True,
    help="This database's sync state: changes not pushed yet, open conflicts; no hub needed.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def sync_command(
    obj: Context,
    url: str | None,
    list_conflicts: bool,
    include_resolved: bool,
    resolve_id: int | None,
    keep: str | None,
    show_status: bool,
    as_json: bool,
) -> None:
    """Sync with the team's hub: push your changes it has not seen, pull everyone else's.

    URL is a PostgreSQL connection string (env READER_HUB), e.g. postgresql://alice@hub.example.org/team
    ?sslmode=verify-full; the password comes from ~/.pgpass or PGPASSWORD (or the URL). The hub's tables
    are created on the first sync. Safe to interrupt: the next sync finishes the job.
    """
    from reader import sync as syncing

    if resolve_id is not None:
        if keep is None:
            raise click.UsageError("--resolve N needs --keep kept (the version that won) or --keep lost")
        kept = syncing.resolve(obj.store(), resolve_id, keep)
        click.echo(
            f"conflict #{resolve_id} resolved: "
            + ("the winning version stays" if kept == "kept" else "the losing version is back (undo takes it back)")
        )
        return
    if keep is not None:
        raise click.UsageError("--keep goes with --resolve N")
    if show_status:
        state = syncing.status(obj.store())
        if as_json:
            click.echo(_json(state))
            return
        if not state["origin"]:
            click.echo(
                _one_line(
                    f"never synced; {state['unpushed']} change{'s' * (state['unpushed'] != 1)} "
                    "will be pushed on the first sync "
                    f"(as {state['author']})"
                )
            )
            return
        click.echo(
            _one_line(
                f"origin {state['origin']} (as {state['author']}): {state['unpushed']} change"
                f"{'s' * (state['unpushed'] != 1)} not pushed yet, {state['open_conflicts']} open "
                f"conflict{'s' * (state['open_conflicts'] != 1)}"
            )
        )
        return
    if list_conflicts:
        found = syncing.conflicts(obj.store(), include_resolved)
        if as_json:
            click.echo(_json(found, indent=2))
            return
        if not found:
            click.echo("no sync conflicts" + ("" if include_resolved else " to resolve"))
            return
        for row in found:
            settled = f"resolved: {row['resolution']}" if row["resolved"] else "open"
            click.echo(
                _one_line(
                    f"#{row['id']} {row['entity']} {row['key'][:12]} ({settled}): kept {row['winner_author'] or '?'}'s "
                    f"{_summary(row['entity'], row['winner'])}; lost {row['loser_author'] or '?'}'s "
                    f"{_summary(row['entity'], row['loser'])}"
                )
            )
        click.echo("settle one with: reader sync --resolve N --keep kept|lost", err=True)
        return
    if not url:
        raise click.UsageError(f"give the hub's connection string ({HUB_HELP}) or set READER_HUB")
    from reader.hub import Hub

    with Hub(url) as hub:  # connected and checked before the local database is opened: a bad hub changes nothing
        store = obj.store()
        import sys

        def progress(sofar) -> None:  # a big first pull takes a while: say how far it is, on a terminal only
            click.echo(f"\rpulled {sofar.pulled:,} changes ...", err=True, nl=False)

        try:
            result = syncing.sync(store, hub, progress if sys.stderr.isatty() else None)
            if sys.stderr.isatty() and result.pulled >= syncing.PULL_BATCH:
                click.echo("", err=True)
        except hub.error_type() as error:
            from reader.hub import _reason

            raise click.ClickException(
                f"sync with {hub.name} stopped: {_reason(error)}; what was done is kept, run it again to finish"
            ) from None
    if as_json:
        click.echo(
            _json(
                {
                    "hub": hub.name,
                    "pushed": result.pushed,
                    "pulled": result.pulled,
                    "applied": result.applied,
                    "conflicts": result.conflicts,
                    "skipped": result.skipped,
                }
            )
        )
        return
    line = (
        f"synced with {hub.name}: pushed {result.pushed:,} change{'s' * (result.pushed != 1)}, pulled "
        f"{result.pulled:,} ({result.applied:,} applied)"
    )
    if result.conflicts:
        line += f", {result.conflicts} conflict{'s' * (result.conflicts != 1)} (see `reader sync --conflicts`)"
    click.echo(_one_line(line))
    for why, count in result.skipped.items():
        click.echo(_one_line(f"skipped {count}: {why}"), err=True)
