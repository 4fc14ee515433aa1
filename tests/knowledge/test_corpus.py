"""Corpus loading: stable chunk ids, content hashes, and bad files reported without stopping the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coach.knowledge.corpus import (
    REQUIRED_IDS,
    SECTION_HEADINGS,
    load_corpus,
    parse_front_matter,
    slugify,
    split_sections,
)
from tests.knowledge.conftest import write_doc

EXPECTED_SLUGS = ["what-it-is", "why-it-works", "when-to-use-it", "how-to-do-it", "phrases-to-say",
                  "common-mistakes", "worked-example", "evidence"]


def test_chunk_ids_are_doc_id_hash_section_slug(fixture_corpus: Path) -> None:
    corpus = load_corpus(fixture_corpus)
    assert corpus.doc_ids() == ["alpha-offers", "beta-walkaway", "gamma-anchor"]
    alpha = corpus.docs[0]
    assert [c.id for c in alpha.chunks] == [f"alpha-offers#{slug}" for slug in EXPECTED_SLUGS]
    assert {(c.title, c.kind, c.doc_id) for c in alpha.chunks} == {("Alpha offers", "practice", "alpha-offers")}
    assert alpha.chunks[3].section == "How to do it"
    assert [p for p in corpus.problems if p.severity == "error"] == []


def test_ids_and_hashes_are_stable_across_loads(fixture_corpus: Path) -> None:
    first = {c.id: c.content_hash for c in load_corpus(fixture_corpus).chunks}
    second = {c.id: c.content_hash for c in load_corpus(fixture_corpus).chunks}
    assert first == second and len(first) == 24


def test_editing_one_section_changes_only_that_hash(fixture_corpus: Path) -> None:
    before = {c.id: c.content_hash for c in load_corpus(fixture_corpus).chunks}
    path = fixture_corpus / "concepts" / "gamma-anchor.md"
    path.write_text(path.read_text().replace("(evidence)", "(evidence, now with a field study)"))
    after = {c.id: c.content_hash for c in load_corpus(fixture_corpus).chunks}
    assert [cid for cid in before if before[cid] != after[cid]] == ["gamma-anchor#evidence"]


@pytest.mark.parametrize(
    ("content", "field", "needle"),
    [
        ("no front matter here\n## What it is\ntext\n", "front matter", "front matter"),
        ("---\nid: [unclosed\n---\n## What it is\ntext\n", "front matter", "not valid YAML"),
        ("---\nid: broken\ntitle: T\nkind: practice\nsummary: s\ncolour: red\n---\n## What it is\nx\n",
         "colour", "colour"),
        ("---\nid: broken\ntitle: T\nkind: tactic\nsummary: s\n---\n## What it is\nx\n", "kind", "kind"),
        ("---\nid: Broken Id\ntitle: T\nkind: concept\nsummary: s\n---\n## What it is\nx\n", "id", "id"),
        ("---\nid: broken\ntitle: T\nkind: concept\n---\n## What it is\nx\n", "summary", "summary"),
        ("---\nid: broken\ntitle: T\nkind: concept\nsummary: s\n---\nno sections at all\n", "sections",
         "sections"),
    ],
)
def test_broken_file_is_reported_and_the_rest_loads(fixture_corpus: Path, content: str, field: str,
                                                    needle: str) -> None:
    bad = fixture_corpus / "concepts" / "broken.md"
    bad.write_text(content, encoding="utf-8")
    corpus = load_corpus(fixture_corpus)
    assert corpus.doc_ids() == ["alpha-offers", "beta-walkaway", "gamma-anchor"]
    errors = [p for p in corpus.problems if p.severity == "error"]
    assert len(errors) == 1 and errors[0].path == bad and errors[0].field == field
    assert needle in str(errors[0]) and "broken.md" in str(errors[0])


def test_duplicate_id_keeps_first_file_and_names_both(fixture_corpus: Path) -> None:
    dup = write_doc(fixture_corpus, "practices/zz-copy.md", "alpha-offers", "Copy", "practice", [], "dup")
    corpus = load_corpus(fixture_corpus)
    assert corpus.doc_ids() == ["alpha-offers", "beta-walkaway", "gamma-anchor"]
    assert corpus.docs[0].meta.title == "Alpha offers"
    [error] = [p for p in corpus.problems if p.severity == "error"]
    assert error.path == dup and error.field == "id"
    assert "duplicate id 'alpha-offers'" in error.message and "alpha-offers.md" in error.message


def test_missing_sections_and_required_ids_are_warnings(fixture_corpus: Path) -> None:
    write_doc(fixture_corpus, "practices/short.md", "short", "Short", "practice", [], "s",
              sections={"What it is": "Only one section."})
    corpus = load_corpus(fixture_corpus)
    assert "short" in corpus.doc_ids()
    [warning] = [p for p in corpus.problems if p.path.name == "short.md"]
    assert warning.severity == "warning" and warning.field == "sections" and "## Evidence" in warning.message
    assert set(corpus.missing_required()) == {i for ids in REQUIRED_IDS.values() for i in ids}
    assert len(corpus.missing_required()) == 28


def test_sections_inside_code_fences_are_not_split() -> None:
    body = "# T\n## What it is\nintro\n```\n## not a heading\n```\n## Evidence\nsome\n"
    assert [h for h, _ in split_sections(body)] == ["What it is", "Evidence"]


def test_front_matter_round_trip() -> None:
    meta, body = parse_front_matter("---\nid: a-b\ntitle: A\nkind: concept\ntags: [x]\nsummary: s\n---\n# A\n")
    assert (meta.id, meta.kind, meta.tags, meta.related) == ("a-b", "concept", ("x",), ())
    assert body == "# A\n"


@given(st.sampled_from(SECTION_HEADINGS))
def test_slugs_of_required_headings(heading: str) -> None:
    assert slugify(heading) == EXPECTED_SLUGS[SECTION_HEADINGS.index(heading)]


@given(st.text(max_size=40))
def test_slugify_is_kebab_and_idempotent(text: str) -> None:
    slug = slugify(text)
    assert slug and slugify(slug) == slug
    assert all(part.isalnum() and part.isascii() for part in slug.split("-"))
