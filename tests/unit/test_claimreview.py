"""The ClaimReview export, expanded by a JSON-LD processor (pyld) and checked field by field."""

from __future__ import annotations

import json

import pytest
from pyld import jsonld

S = "http://schema.org/"


def schema_org_loader(url, options=None):
    """The schema.org context, offline: its vocabulary, with url and sameAs as IRIs (as schema.org's own
    context says). No network in the tests, and a wrong term would expand to nothing and fail them."""
    if url.rstrip("/") not in ("https://schema.org", "http://schema.org"):
        raise jsonld.JsonLdError(f"unexpected document {url}", "loading document failed")
    context = {"@context": {"@vocab": S, "url": {"@id": S + "url", "@type": "@id"}}}
    return {"contextUrl": None, "documentUrl": url, "document": context}


def expand(document):
    return jsonld.expand(document, {"documentLoader": schema_org_loader})


def value(node, term):
    (item,) = node[S + term]
    return item.get("@value", item.get("@id", item))


def link(store, first, second, first_words, second_words, kind="same"):
    text_a, text_b = store.text(first), store.text(second)
    start_a, start_b = text_a.index(first_words), text_b.index(second_words)
    a = store.add_annotation(first, start_a, start_a + len(first_words), tags=["claim"])
    b = store.add_annotation(second, start_b, start_b + len(second_words), tags=["claim"])
    store.add_link(a.id, b.id, kind)
    return a, b


@pytest.fixture
def reviewed(run_cli, loaded_store, source_id, monkeypatch, tmp_path):
    config = tmp_path / "reviewer.toml"
    config.write_text('[reviewer]\nname = "Desk Check"\nurl = "https://desk.example.org"\n', encoding="utf-8")
    monkeypatch.setenv("READER_CONFIG", str(config))
    a, b = link(loaded_store, source_id("001"), source_id("004"), "over $13 billion", "an additional $10 billion")
    run_cli("meta", "001", "--published", "2024-10-14", "--url", "https://redmondmag.com/bubeck")
    run_cli("meta", "004", "--published", "2024-10-20", "--outlet", "Tech Daily", "--url", "https://techdaily.example/x")
    link(loaded_store, source_id("000"), source_id("003"), "Sebastien Bubeck", "Sebastien Bubeck")  # no verdict
    claim_id = next(c["id"] for c in json.loads(run_cli("claims", "--json").output) if len(c["members"]) == 2
                    and a.id in {m["annotation"] for m in c["members"]})
    result = run_cli("verdict", claim_id, "mostly false", "--note", "The totals differ", "--evidence",
                     "https://www.sec.gov/f", "--url", "https://desk.example.org/checks/13bn")
    assert result.exit_code == 0, result.output
    return claim_id, a, b


def test_claimreview_expands_with_every_field(run_cli, reviewed, tmp_path):
    claim_id, a, b = reviewed
    target = tmp_path / "reviews.jsonld"
    result = run_cli("export", "--format", "claimreview", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "exported 1 claim review" in result.output
    expanded = expand(json.loads(target.read_text(encoding="utf-8")))
    (review,) = [node for node in expanded if S + "ClaimReview" in node.get("@type", [])]
    assert value(review, "claimReviewed") == "over $13 billion"
    assert value(review, "identifier") == claim_id
    assert value(review, "url") == "https://desk.example.org/checks/13bn"
    assert value(review, "reviewBody") == "The totals differ"
    assert len(value(review, "datePublished")) == 10
    (rating,) = review[S + "reviewRating"]
    assert rating["@type"] == [S + "Rating"]
    assert (value(rating, "ratingValue"), value(rating, "bestRating"), value(rating, "worstRating"),
            value(rating, "alternateName")) == (2, 5, 1, "mostly false")
    (author,) = review[S + "author"]
    assert author["@type"] == [S + "Organization"]
    assert (value(author, "name"), value(author, "url")) == ("Desk Check", "https://desk.example.org")
    (item,) = review[S + "itemReviewed"]
    assert item["@type"] == [S + "Claim"]
    (claim_author,) = item[S + "author"]
    assert value(claim_author, "name") == "Converge360"  # the first appearance's outlet
    assert value(item, "datePublished") == "2024-10-14"
    appearances = item[S + "appearance"]
    assert {value(work, "url") for work in appearances} == {"https://redmondmag.com/bubeck", "https://techdaily.example/x"}
    assert all(work["@type"] == [S + "CreativeWork"] for work in appearances)
    assert {value(work, "datePublished") for work in appearances} == {"2024-10-14", "2024-10-20"}
    assert {value(work, "headline") for work in appearances} >= {"One of Microsoft's Top AI Execs Leaves for OpenAI"}
    (first,) = item[S + "firstAppearance"]
    assert (value(first, "url"), value(first, "datePublished")) == ("https://redmondmag.com/bubeck", "2024-10-14")
    (citation,) = review[S + "citation"]
    assert value(citation, "url") == "https://www.sec.gov/f"


def test_claims_without_a_verdict_are_left_out_and_an_empty_export_is_valid(run_cli, tmp_path):
    target = tmp_path / "none.jsonld"
    assert run_cli("export", "--format", "claimreview", "-o", str(target)).exit_code == 0
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["@graph"] == [] and expand(document) == []
