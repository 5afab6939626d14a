"""The claims matrix as CSV (one row per claim, one column per source), and the claims every export of
them (JSON, matrix, ClaimReview) is computed from."""

from __future__ import annotations

import csv
from typing import TextIO

from reader.exports.formula import guard_row
from reader.model import ClaimStatus
from reader.store import Store


def export_claims(
    store: Store,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
    differ=None,
    statuses: bool = True,
):
    """(sources, claims) over the chosen sources' annotations (those with one of tags, and by one of
    authors, if given; blind coding narrows them to this store's author); differ and statuses as in
    build_matrix."""
    from reader.claims import claims_for_store

    return claims_for_store(store, source_ids, tags, authors, differ, statuses)


def matrix_cell_text(status: str, differing_words: list[str]) -> str:
    """How a matrix cell reads: present, 'differs: a → b; c → d', silent (checked) or absent (not found)."""
    if status == ClaimStatus.DIFFERS and differing_words:
        return "differs: " + "; ".join(" ".join(words.split()) for words in differing_words)
    return status


def matrix_column_names(sources: list) -> list[str]:
    """One column name per source: its title, with the file name added where two titles are the same."""
    titles = [source.title or source.name for source in sources]
    return [f"{title} ({source.name})" if titles.count(title) > 1 else title for title, source in zip(titles, sources)]


def write_matrix_csv(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    raw: bool = False,
    authors: list[str] | None = None,
) -> int:
    """The claims matrix (reader.claims): one row per claim with its verdict and the verdict's note, then one
    column per source title; returns the number of claims. Cells are guarded against formulas as in the
    annotations CSV unless raw."""
    sources, claims = export_claims(store, source_ids, tags, authors)
    writer = csv.writer(out, lineterminator="\r\n")
    guard = (lambda row: row) if raw else guard_row
    writer.writerow(guard(["claim_id", "claim", "verdict", "verdict_note", *matrix_column_names(sources)]))
    for claim in claims:
        verdict = claim.verdict or {}
        writer.writerow(
            guard(
                [claim.id, claim.label, verdict.get("rating") or "", verdict.get("note") or ""]
                + [
                    matrix_cell_text(claim.cells[source.id].status, claim.cells[source.id].differing_words)
                    for source in sources
                ]
            )
        )
    return len(claims)
