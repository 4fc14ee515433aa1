"""The drill bank: valid items, coverage of every corpus doc, citations that resolve."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from coach.practice.drills import (
    SECTION_SLUGS,
    DrillBank,
    DrillError,
    load_bank,
    load_bank_file,
    repo_root,
)
from coach.practice.generators import CITATIONS, TEMPLATE_PRACTICES
from coach.practice.grading import offline_rubric

KNOWLEDGE = repo_root() / "knowledge"
REQUIRED = ["probe-interests", "meso", "post-settlement", "logrolling", "contingent-contracts", "debrief",
            "map-the-zopa", "batna", "reservation-point", "first-offers-anchoring", "fixed-pie-bias",
            "issue-types", "package-deals", "adding-issues", "sources-of-value", "information-sharing",
            "diagnostic-questions", "pre-settlement-settlement", "pareto-efficiency", "claiming-value",
            "when-not-to-expand", "document-trades", "ethics-and-relationships", "playbook-sales",
            "playbook-procurement", "playbook-partnerships", "playbook-hiring", "playbook-internal"]


def slugify(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.casefold()).strip("-")


def corpus_sections() -> dict[str, set[str]]:
    """doc id -> section slugs, read from the markdown files (front matter id, H2 headings)."""
    docs: dict[str, set[str]] = {}
    for folder in ("practices", "concepts", "playbooks"):
        for path in sorted((KNOWLEDGE / folder).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            front = yaml.safe_load(text.split("---", 2)[1])
            docs[front["id"]] = {slugify(h) for h in re.findall(r"^## (.+)$", text, flags=re.MULTILINE)}
    return docs


def test_bank_loads_without_errors_and_is_big_enough(bank: DrillBank) -> None:
    assert bank.errors == []
    assert len(bank) >= 80
    kinds = Counter(d.kind for d in bank)
    assert kinds["concept"] >= 40 and kinds["rephrase"] >= 20


def test_every_corpus_doc_is_covered_by_real_bank_items(bank: DrillBank) -> None:
    docs = corpus_sections()
    covered = Counter(d.practice for d in bank)
    for doc_id in set(REQUIRED) | set(docs):
        assert covered[doc_id] >= 2, f"{doc_id} has {covered[doc_id]} bank drills"
    assert set(TEMPLATE_PRACTICES.values()) <= set(REQUIRED)


def test_citations_point_to_existing_doc_sections(bank: DrillBank) -> None:
    docs = corpus_sections()
    citations = [d.citation for d in bank] + list(CITATIONS.values())
    for citation in citations:
        doc_id, slug = citation.split("#")
        assert slug in SECTION_SLUGS
        assert doc_id in docs, f"{citation}: no such doc"
        assert slug in docs[doc_id], f"{citation}: doc has no such section"


def test_ids_unique_and_practice_matches_file(bank: DrillBank) -> None:
    folder = repo_root() / "knowledge" / "drills"
    seen: set[str] = set()
    for path in folder.glob("*.yaml"):
        for drill in load_bank_file(path):
            assert drill.id not in seen
            seen.add(drill.id)
            assert drill.practice == path.stem


def test_rephrase_model_answers_pass_their_own_rubric(bank: DrillBank) -> None:
    for drill in bank:
        if drill.kind == "rephrase":
            grade = offline_rubric(drill, drill.model_answer)  # type: ignore[arg-type]
            assert grade.score == 1.0, (drill.id, grade.criteria)


@pytest.mark.parametrize("body, message", [
    (("practice: meso\ndrills:\n  - id: x1\n    kind: concept\n    prompt: a b c d e f g h\n"
     "    accepted: [a]\n    explanation: long enough text\n    citation: meso#how-to-do-it\n    typo: 1\n"),
     "typo"),
    (("practice: meso\ndrills:\n  - id: x2\n    kind: concept\n    prompt: a b c d e f g h\n"
     "    choices: [a, b]\n    answer: 5\n    explanation: long enough text\n    citation: meso#how-to-do-it\n"),
     "answer"),
    (("practice: meso\ndrills:\n  - id: x3\n    kind: concept\n    prompt: a b c d e f g h\n"
     "    accepted: [a]\n    explanation: long enough text\n    citation: meso#intro\n"), "slug"),
    (("practice: meso\ndrills:\n  - id: x4\n    kind: rephrase\n    target: package-offer\n"
     "    prompt: a b c d e f g h\n    model_answer: long enough text\n    explanation: long enough text\n"
     "    citation: meso#how-to-do-it\n"), "issues"),
    ("practice: meso\ndrills: [\n", "line"),
])
def test_broken_drill_files_name_the_file_and_field(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(DrillError) as err:
        load_bank_file(path)
    assert "broken.yaml" in str(err.value) and message in str(err.value)


def test_a_broken_file_does_not_hide_the_rest(tmp_path: Path) -> None:
    good = (repo_root() / "knowledge" / "drills" / "meso.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text("practice: x\ndrills: [\n", encoding="utf-8")
    (tmp_path / "meso.yaml").write_text(good, encoding="utf-8")
    (tmp_path / "dup.yaml").write_text(good, encoding="utf-8")
    loaded = load_bank(tmp_path)
    assert len(loaded) == len(load_bank_file(tmp_path / "meso.yaml"))
    assert any("a.yaml" in e for e in loaded.errors)
    assert any("duplicate drill id" in e for e in loaded.errors)


def test_public_view_hides_the_answer(bank: DrillBank) -> None:
    drill = bank.get("meso-what")
    public = drill.public()
    assert set(public) == {"id", "practice", "kind", "prompt", "choices"}
    assert "answer" not in public


def test_unknown_ids_are_clear_errors(bank: DrillBank) -> None:
    for bad in ("nope", "calc-zopa-x", "calc-unknown-3", "calc-zopa-12345678901", "", "   "):
        with pytest.raises(DrillError):
            bank.get(bad)
