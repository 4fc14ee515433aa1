"""The practices corpus keeps the format other parts rely on (ids, kinds, the eight sections, length)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1] / "knowledge"
FOLDERS = {"practices": "practice", "concepts": "concept", "playbooks": "playbook"}
REQUIRED = {
    "practice": ["probe-interests", "meso", "post-settlement", "logrolling", "contingent-contracts", "debrief",
                 "map-the-zopa"],
    "concept": ["batna", "reservation-point", "first-offers-anchoring", "fixed-pie-bias", "issue-types",
                "package-deals", "adding-issues", "sources-of-value", "information-sharing",
                "diagnostic-questions", "pre-settlement-settlement", "pareto-efficiency", "claiming-value",
                "when-not-to-expand", "document-trades", "ethics-and-relationships"],
    "playbook": ["playbook-sales", "playbook-procurement", "playbook-partnerships", "playbook-hiring",
                 "playbook-internal"],
}
SECTIONS = ["What it is", "Why it works", "When to use it", "How to do it", "Phrases to say", "Common mistakes",
            "Worked example", "Evidence"]
ALL_IDS = {i for ids in REQUIRED.values() for i in ids}
DOCS = sorted(p for folder in FOLDERS for p in (ROOT / folder).glob("*.md"))


def _split(path: Path) -> tuple[dict, str]:
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", path.read_text(encoding="utf-8"), re.DOTALL)
    assert match, f"{path.name}: no front matter"
    return yaml.safe_load(match.group(1)), match.group(2)


def test_every_required_id_has_a_doc_of_its_kind() -> None:
    found = {}
    for path in DOCS:
        meta, _ = _split(path)
        found[meta["id"]] = meta["kind"]
    for kind, ids in REQUIRED.items():
        for doc_id in ids:
            assert found.get(doc_id) == kind, f"{doc_id} missing or not a {kind}"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_doc_format(path: Path) -> None:
    meta, body = _split(path)
    assert set(meta) == {"id", "title", "kind", "tags", "related", "summary"}
    assert meta["id"] == path.stem
    assert meta["kind"] == FOLDERS[path.parent.name]
    assert set(meta["related"]) <= ALL_IDS - {meta["id"]}
    headings = re.findall(r"^## (.+)$", body, re.MULTILINE)
    assert headings[:8] == SECTIONS
    assert len(body.split()) >= 300
    for name, text in zip(headings, re.split(r"^## .+$", body, flags=re.MULTILINE)[1:]):
        assert len(text.split()) >= 35, f"{path.stem}: section '{name}' is thin"
