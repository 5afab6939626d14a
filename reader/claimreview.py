"""ClaimReview export: one schema.org ClaimReview per claim with a verdict, as JSON-LD.

This is what fact-checking desks publish and what Google's Fact Check Explorer and the ClaimReview data
sets read: the claim (claimReviewed), the rating on the desk's scale (reviewRating), the claim as an
item (its author, date, every appearance and the first one) and who reviewed it (the settings'
reviewer). Evidence goes in `citation`, the verdict note in `reviewBody`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, TextIO

from reader.claims import Claim
from reader.model import EvidenceKind, Source
from reader.store import Store

SCHEMA_CONTEXT = "https://schema.org"
_reading_order = attrgetter("source_id", "start")


def _creative_work(source: Source, member=None) -> dict[str, Any]:
    """A source as a schema.org CreativeWork: url, headline, datePublished, publisher and author."""
    work: dict[str, Any] = {"@type": "CreativeWork", "headline": source.title}
    if source.url:
        work["url"] = source.url
    if source.published:
        work["datePublished"] = source.published
    if source.outlet:
        work["publisher"] = {"@type": "Organization", "name": source.outlet}
    if source.author:
        work["author"] = {"@type": "Person", "name": source.author}
    if member is not None:
        work["text"] = " ".join(member.quote.split())
    return work


class _Works(dict):
    """Each source's CreativeWork (without a member's text) by source id, built once: a claim's
    appearances copy it."""

    def of(self, source: Source, member) -> dict[str, Any]:
        """What _creative_work(source, member) returns (the nested publisher and author shared)."""
        base = self.get(source.id)
        if base is None:
            base = self[source.id] = _creative_work(source)
        work = dict(base)
        work["text"] = " ".join(member.quote.split())
        return work


def _claim_author(source: Source) -> dict[str, Any] | None:
    """Who made the claim: the first source's outlet (an Organization), else its author (a Person)."""
    if source.outlet:
        return {"@type": "Organization", "name": source.outlet}
    if source.author:
        return {"@type": "Person", "name": source.author}
    return None


def claim_review(
    claim: Claim,
    sources: dict[int, Source],
    scale_values: list[int],
    reviewer: dict[str, str],
    annotation_sources: dict[str, tuple[Source, str]],
    verdict: dict[str, Any] | None = None,
    works: _Works | None = None,
) -> dict[str, Any]:
    """One ClaimReview for a claim that has a verdict (claim.verdict, if the caller has it already); works:
    the sources' CreativeWorks, kept by a caller that writes many reviews."""
    verdict = claim.verdict if verdict is None else verdict
    works = _Works() if works is None else works
    assert verdict is not None
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": verdict["rating"]}
    if verdict["value"] is not None:
        rating["ratingValue"] = verdict["value"]
    if scale_values:
        rating["bestRating"], rating["worstRating"] = max(scale_values), min(scale_values)
    first_member = claim.first_appearance.annotation if claim.first_appearance else claim.reference or claim.members[0]
    first_source = sources[first_member.source_id]
    item: dict[str, Any] = {"@type": "Claim"}
    author = _claim_author(first_source)
    if author:
        item["author"] = author
    if claim.first_appearance is not None:
        item["datePublished"] = claim.first_appearance.published
    appearances, seen = [], set()
    for member in sorted(claim.members, key=_reading_order):
        if member.source_id in seen:
            continue
        seen.add(member.source_id)
        appearances.append(works.of(sources[member.source_id], member))
    item["appearance"] = appearances
    if claim.first_appearance is not None:
        item["firstAppearance"] = works.of(first_source, first_member)
    review: dict[str, Any] = {
        "@type": "ClaimReview",
        "identifier": claim.id,
        "claimReviewed": claim.label,
        "reviewRating": rating,
        "itemReviewed": item,
    }
    if reviewer.get("name"):
        organisation = {"@type": "Organization", "name": reviewer["name"]}
        if reviewer.get("url"):
            organisation["url"] = reviewer["url"]
        review["author"] = organisation
    elif verdict["author"]:
        review["author"] = {"@type": "Person", "name": verdict["author"]}
    if verdict["at"]:
        review["datePublished"] = verdict["at"][:10]
    if verdict.get("url"):
        review["url"] = verdict["url"]
    if verdict["note"]:
        review["reviewBody"] = verdict["note"]
    citations = []
    for evidence in verdict["evidence"]:
        if evidence["kind"] == EvidenceKind.URL:
            citations.append({"@type": "CreativeWork", "url": evidence["value"]})
        elif evidence["value"] in annotation_sources:
            source, quote = annotation_sources[evidence["value"]]
            work = _creative_work(source)
            work["text"] = " ".join(quote.split())
            citations.append(work)
    if citations:
        review["citation"] = citations
    return review


def write_claimreview(
    store: Store,
    out: TextIO,
    source_ids: list[int] | None = None,
    tags: list[str] | None = None,
    authors: list[str] | None = None,
) -> int:
    """The ClaimReviews of every claim with a verdict, as one JSON-LD document (@graph); returns how many."""
    import msgspec

    from reader.claims import no_differences
    from reader.collector import paused_gc
    from reader.exports import ExportError, export_claims
    from reader.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        raise ExportError(str(error)) from None
    sources, claims = export_claims(store, source_ids, tags, authors, differ=no_differences, statuses=False)
    by_id = {source.id: source for source in store.sources()}
    scale = [rating.value for rating in settings.ratings if rating.value is not None]
    judged = [(claim, verdict) for claim in claims if (verdict := claim.verdict) is not None]
    evidence_ids = sorted(
        {e["value"] for _, verdict in judged for e in verdict["evidence"] if e["kind"] == EvidenceKind.ANNOTATION}
    )
    annotation_sources = {}
    for row in store.annotation_quotes(evidence_ids):
        if row["source_id"] in by_id:
            annotation_sources[row["id"]] = (by_id[row["source_id"]], row["quote"])
    out.write('{\n "@context": "https://schema.org",\n "@graph": [')
    encode, spaced = msgspec.json.encode, msgspec.json.format
    works = _Works()
    with paused_gc():  # 10,000 reviews' dicts hold no cycles
        for index, (claim, verdict) in enumerate(judged):
            review = claim_review(claim, by_id, scale, settings.reviewer, annotation_sources, verdict, works)
            # What json.dumps(review, ensure_ascii=False) writes (one line, ", " and ": "), encoded in C.
            out.write(("\n  " if index == 0 else ",\n  ") + spaced(encode(review), indent=0).decode("utf-8"))
    out.write("\n ]\n}\n")
    return len(judged)
