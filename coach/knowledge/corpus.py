"""The practices corpus: load markdown files with YAML front matter and cut them into cited chunks.

Each ``knowledge/<kind-folder>/<doc-id>.md`` starts with front matter (id, title, kind, tags,
related, summary) validated by pydantic with ``extra="forbid"``. The body is chunked by H2 section;
every chunk gets the stable id ``DOC_ID#section-slug`` (e.g. ``meso#how-to-do-it``), carries its
document's title and kind, and a content hash so the index re-embeds only what changed.

A broken file never stops the rest of the corpus from loading: ``load_corpus`` returns the good
documents plus a list of ``CorpusProblem`` naming the file and field.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

Kind = Literal["practice", "concept", "playbook"]

SECTION_HEADINGS = (
    "What it is",
    "Why it works",
    "When to use it",
    "How to do it",
    "Phrases to say",
    "Common mistakes",
    "Worked example",
    "Evidence",
)
KIND_FOLDERS: dict[str, str] = {"practice": "practices", "concept": "concepts", "playbook": "playbooks"}
REQUIRED_IDS: dict[str, tuple[str, ...]] = {
    "practice": ("probe-interests", "meso", "post-settlement", "logrolling", "contingent-contracts",
                 "debrief", "map-the-zopa"),
    "concept": ("batna", "reservation-point", "first-offers-anchoring", "fixed-pie-bias", "issue-types",
                "package-deals", "adding-issues", "sources-of-value", "information-sharing",
                "diagnostic-questions", "pre-settlement-settlement", "pareto-efficiency", "claiming-value",
                "when-not-to-expand", "document-trades", "ethics-and-relationships"),
    "playbook": ("playbook-sales", "playbook-procurement", "playbook-partnerships", "playbook-hiring",
                 "playbook-internal"),
}
# Bump when the text that gets embedded changes shape, so every chunk is re-embedded once.
INDEX_FORMAT = "v1"
_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_FENCE = re.compile(r"^\s*(```|~~~)")


def default_corpus_dir() -> Path:
    """The ``knowledge/`` folder at the repository root (next to the ``coach`` package)."""
    return Path(__file__).resolve().parents[2] / "knowledge"


class FrontMatter(BaseModel):
    """The YAML header of a knowledge file. Unknown keys are errors, so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=_ID_PATTERN, description="kebab-case, unique across the corpus")
    title: str = Field(min_length=1)
    kind: Kind
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = Field(min_length=1)


@dataclass(frozen=True)
class Chunk:
    """One H2 section of a document, the unit of retrieval and citation."""

    id: str
    doc_id: str
    title: str
    kind: str
    section: str
    text: str
    tags: tuple[str, ...] = ()
    summary: str = ""

    @property
    def embedding_text(self) -> str:
        """What the vector model sees: document title, section heading, then the section."""
        return f"{self.title}: {self.section}.\n{self.text}"

    @property
    def keyword_text(self) -> str:
        """What BM25 sees: the section plus the document's title, tags and summary."""
        return " ".join([self.title, self.section, " ".join(self.tags), self.summary, self.text])

    @property
    def content_hash(self) -> str:
        """Hash of everything stored for this chunk; a change means re-embed."""
        parts = [INDEX_FORMAT, self.id, self.title, self.kind, self.section, "|".join(self.tags),
                 self.summary, self.text]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Document:
    """A validated knowledge file and its chunks."""

    meta: FrontMatter
    path: Path
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True)
class CorpusProblem:
    """Something wrong with one file. ``severity='error'`` means the file was skipped."""

    path: Path
    message: str
    field: str | None = None
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.path}" + (f" [{self.field}]" if self.field else "")
        return f"{self.severity}: {where}: {self.message}"


@dataclass
class Corpus:
    """The loaded documents (sorted by id) and the problems found while loading."""

    root: Path
    docs: list[Document] = field(default_factory=list)
    problems: list[CorpusProblem] = field(default_factory=list)

    @property
    def chunks(self) -> list[Chunk]:
        return [chunk for doc in self.docs for chunk in doc.chunks]

    def doc_ids(self) -> list[str]:
        return [doc.meta.id for doc in self.docs]

    def missing_required(self) -> list[str]:
        """Required ids (the issue's list) that no loaded document provides."""
        present = set(self.doc_ids())
        return [doc_id for ids in REQUIRED_IDS.values() for doc_id in ids if doc_id not in present]


class CorpusFileError(ValueError):
    """A knowledge file cannot be parsed; carries the offending field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def slugify(heading: str) -> str:
    """``"When to use it"`` -> ``"when-to-use-it"`` (lowercase ASCII words joined by hyphens)."""
    words = re.findall(r"[a-z0-9]+", heading.lower().replace("'", ""))
    return "-".join(words) or "section"


def parse_front_matter(text: str) -> tuple[FrontMatter, str]:
    """Split and validate the YAML header; return it with the markdown body."""
    import yaml

    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise CorpusFileError("no YAML front matter: the file must start with '---', the header, '---'",
                              "front matter")
    try:
        raw = yaml.safe_load(match.group(1))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        raise CorpusFileError(f"front matter is not valid YAML{where}: {getattr(err, 'problem', err)}",
                              "front matter") from None
    if not isinstance(raw, dict):
        raise CorpusFileError("front matter must be a mapping of keys to values", "front matter")
    try:
        meta = FrontMatter.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "front matter"
        raise CorpusFileError(f"{first['msg']} (fix field '{name}')", name) from None
    return meta, text[match.end():]


def split_sections(body: str) -> list[tuple[str, str]]:
    """``[(heading, text), ...]`` for each H2 section; the H1 title line and code fences are respected."""
    sections: list[tuple[str, list[str]]] = []
    in_fence = False
    for line in body.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            sections.append((line[3:].strip(), []))
        elif sections:
            sections[-1][1].append(line)
    return [(heading, "\n".join(lines).strip()) for heading, lines in sections]


def parse_document(text: str, path: Path) -> tuple[Document, list[CorpusProblem]]:
    """Parse one file into a ``Document``; non-fatal issues come back as warnings."""
    meta, body = parse_front_matter(text)
    warnings: list[CorpusProblem] = []
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for heading, section_text in split_sections(body):
        slug = slugify(heading)
        if slug in seen:
            warnings.append(CorpusProblem(path, f"duplicate section '## {heading}' skipped", "sections",
                                          "warning"))
            continue
        seen.add(slug)
        if not section_text:
            continue
        chunks.append(Chunk(id=f"{meta.id}#{slug}", doc_id=meta.id, title=meta.title, kind=meta.kind,
                            section=heading, text=section_text, tags=meta.tags, summary=meta.summary))
    missing = [h for h in SECTION_HEADINGS if slugify(h) not in seen]
    if missing:
        warnings.append(CorpusProblem(path, f"missing sections: {', '.join('## ' + h for h in missing)}",
                                      "sections", "warning"))
    if not chunks:
        raise CorpusFileError("no '## ' sections with text; nothing to index", "sections")
    return Document(meta=meta, path=path, chunks=tuple(chunks)), warnings


def _layout_warnings(doc: Document, root: Path) -> list[CorpusProblem]:
    out: list[CorpusProblem] = []
    if doc.path.stem != doc.meta.id:
        out.append(CorpusProblem(doc.path, f"id '{doc.meta.id}' differs from the file name", "id", "warning"))
    folder = doc.path.parent.name if doc.path.parent != root else ""
    expected = KIND_FOLDERS[doc.meta.kind]
    if folder and folder in KIND_FOLDERS.values() and folder != expected:
        out.append(CorpusProblem(doc.path, f"kind '{doc.meta.kind}' belongs in {expected}/", "kind", "warning"))
    return out


def _markdown_files(root: Path) -> Iterable[Path]:
    """``*.md`` under the kind folders (practices/, concepts/, playbooks/); other folders hold other data."""
    found = [p for folder in KIND_FOLDERS.values() for p in (root / folder).rglob("*.md")]
    return sorted(p for p in found if p.is_file() and not p.name.startswith((".", "_"))
                  and p.name.lower() != "readme.md")


def load_corpus(root: Path | None = None) -> Corpus:
    """Load every document under ``root`` (default ``knowledge/``); bad files become problems."""
    root = Path(root) if root is not None else default_corpus_dir()
    corpus = Corpus(root=root)
    if not root.is_dir():
        corpus.problems.append(CorpusProblem(root, "knowledge folder not found", None, "error"))
        return corpus
    by_id: dict[str, Document] = {}
    for path in _markdown_files(root):
        try:
            doc, warnings = parse_document(path.read_text(encoding="utf-8"), path)
        except (CorpusFileError, UnicodeDecodeError, OSError) as err:
            corpus.problems.append(CorpusProblem(path, str(err), getattr(err, "field", None), "error"))
            continue
        if doc.meta.id in by_id:
            first = by_id[doc.meta.id].path
            corpus.problems.append(CorpusProblem(path, f"duplicate id '{doc.meta.id}' (already used by {first});"
                                                 " file skipped", "id", "error"))
            continue
        by_id[doc.meta.id] = doc
        corpus.problems.extend(warnings)
        corpus.problems.extend(_layout_warnings(doc, root))
    corpus.docs = [by_id[key] for key in sorted(by_id)]
    for doc in corpus.docs:
        unknown = [r for r in doc.meta.related if r not in by_id]
        if unknown:
            corpus.problems.append(CorpusProblem(doc.path, f"related ids not in the corpus: {', '.join(unknown)}",
                                                 "related", "warning"))
    return corpus
