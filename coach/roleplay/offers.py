"""Offers: a structured offer type and a deterministic free-text parser (plus an optional LLM path).

An offer is one or more (possibly partial) packages: ``None`` marks an issue the user did not
mention. Several packages in one message form a MESO. The deterministic parser matches option
texts per issue (longest first, with issue-name proximity to resolve options shared by two issues),
``issue: option`` pairs, option numbers ("160k", "$9,500", "3 years") and option indexes. The LLM
path asks a chat model for structured output and validates every issue/option against the table;
anything invalid falls back to the deterministic parser.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from coach.domain import Issue, Package, Table
from coach.errors import CoachError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PartialPackage = tuple[int | None, ...]
MAX_MESO = 5
_SEGMENT_MARK = re.compile(r"(?:^|(?<=[\s;,.|(]))(?:option|package|offer|proposal|alternative)\s*(?:[a-e]|[1-5])\s*[:)\-]",
                           re.IGNORECASE)
_LETTER_MARK = re.compile(r"(?:^|(?<=[\s;|]))\(?[a-e1-5]\)\s", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])\$?(\d+(?:\.\d+)?)\s*(k|m)?(?![\w])", re.IGNORECASE)
_NUMERIC_OPTION = re.compile(r"^\$?\d+(?:\.\d+)?\s*(?:k|m|%)?$")
NAME_WINDOW = 48  # characters after an issue name within which an option is attached to that issue
FOLLOW_WINDOW = 16  # characters after a number within which an issue name attaches it ("4 remote days")
NONE_OPTIONS = ("none", "no", "nothing", "not included", "$0", "0")


class OfferError(CoachError):
    """A structured offer names an unknown issue or option."""


@dataclass(frozen=True, slots=True)
class Offer:
    """One or more packages proposed in one move (two or more = a MESO)."""

    packages: tuple[PartialPackage, ...]
    source: str = "parser"  # parser | llm | structured

    @property
    def is_meso(self) -> bool:
        """Several complete alternatives at once."""
        return len(self.packages) > 1

    def mentioned(self) -> set[int]:
        """Issue indexes mentioned in any package."""
        return {n for p in self.packages for n, o in enumerate(p) if o is not None}

    def completed(self, fill: Package) -> tuple[Package, ...]:
        """Each package with unmentioned issues taken from ``fill``."""
        return tuple(tuple(f if o is None else o for o, f in zip(p, fill)) for p in self.packages)

    def is_complete(self) -> bool:
        """True when every package names an option for every issue."""
        return all(o is not None for p in self.packages for o in p)

    def to_dict(self, table: Table) -> list[dict[str, str]]:
        """JSON-ready: ``[{issue id: option text}]`` (mentioned issues only)."""
        return [{table.issues[n].id: table.issues[n].options[o] for n, o in enumerate(p) if o is not None}
                for p in self.packages]


def structured_offer(table: Table, packages: Sequence[Mapping[str, str | int]]) -> Offer:
    """Build an offer from ``[{issue id or name: option text or index}]`` (the UI's offer builder)."""
    built = []
    for choices in packages:
        row: list[int | None] = [None] * len(table.issues)
        for key, value in choices.items():
            n = _issue_by_key(table, str(key))
            if n is None:
                raise OfferError(f"unknown issue {key!r}; choose one of {[i.id for i in table.issues]}")
            option = _option_by_value(table, n, value)
            if option is None:
                listing = ", ".join(table.issues[n].options)
                raise OfferError(f"issue '{table.issues[n].id}': unknown option {value!r}; choose one of {listing}")
            row[n] = option
        if any(o is not None for o in row):
            built.append(tuple(row))
    if not built:
        raise OfferError("the offer names no issue; give at least one issue and option")
    return Offer(tuple(built[:MAX_MESO]), source="structured")


def normalize(text: str) -> str:
    """Casefold, unify dashes/quotes, drop thousands separators, collapse spaces."""
    text = text.casefold().replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def number_of(text: str) -> float | None:
    """The first number in an option or message fragment, with k/m multipliers ("$160k" -> 160000)."""
    match = _NUMBER.search(normalize(text))
    if match is None:
        return None
    value = float(match.group(1))
    unit = (match.group(2) or "").lower()
    return value * (1000 if unit == "k" else 1_000_000 if unit == "m" else 1)


def _issue_by_key(table: Table, key: str) -> int | None:
    folded = normalize(key).strip(" -:")
    for n, issue in enumerate(table.issues):
        if folded in (issue.id, normalize(issue.name)):
            return n
    for n, issue in enumerate(table.issues):
        if folded and (folded in normalize(issue.name) or normalize(issue.name) in folded):
            return n
    return None


def _option_by_value(table: Table, n: int, value: str | int) -> int | None:
    options = table.issues[n].options
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < len(options) else None
    text = normalize(str(value)).strip(" .;")
    folded = [normalize(o) for o in options]
    if text in folded:
        return folded.index(text)
    hits = [k for k, o in enumerate(folded) if _contains(text, o)]
    if hits:
        return max(hits, key=lambda k: len(folded[k]))
    wanted = number_of(text)
    if wanted is not None:
        for k, o in enumerate(options):
            if number_of(o) == wanted:
                return k
    if text.isdigit() and int(text) < len(options):
        return int(text)
    return None


def _contains(haystack: str, needle: str) -> bool:
    return _find(haystack, needle) != []


def _find(haystack: str, needle: str) -> list[int]:
    """Start positions of ``needle`` in ``haystack`` at word boundaries."""
    if not needle:
        return []
    pattern = r"(?<![\w$])" + re.escape(needle) + r"(?![\w%])"
    return [m.start() for m in re.finditer(pattern, haystack)]


def split_segments(text: str) -> list[str]:
    """Split a message into package segments ("Option A: ... Option B: ...", "|", lines)."""
    norm = normalize(text) if "\n" not in text else "\n".join(normalize(x) for x in text.splitlines())
    marks = [m.start() for m in _SEGMENT_MARK.finditer(norm)]
    if len(marks) < 2:
        marks = [m.start() for m in _LETTER_MARK.finditer(norm)]
    if len(marks) >= 2:
        bounds = marks + [len(norm)]
        return [norm[a:b] for a, b in pairwise(bounds)]
    for sep in ("|", "\n"):
        parts = [p for p in norm.split(sep) if p.strip()]
        if len(parts) >= 2:
            return parts
    return [norm]


def _name_positions(table: Table, segment: str) -> dict[int, list[int]]:
    """Issue index -> end positions of mentions of its name or id in ``segment``."""
    found: dict[int, list[int]] = {}
    for n, issue in enumerate(table.issues):
        keys = _issue_keys(issue)
        ends = sorted({pos + len(k) for k in keys for pos in _find(segment, k)})
        if ends:
            found[n] = ends
    return found


def _nearest_issue(names: dict[int, list[int]], candidates: list[int], pos: int) -> int | None:
    """The candidate issue whose name ends closest before ``pos`` (within the window)."""
    best: tuple[int, int] | None = None
    for n in candidates:
        before = [pos - e for e in names.get(n, []) if 0 <= pos - e <= NAME_WINDOW]
        if before and (best is None or min(before) < best[0]):
            best = (min(before), n)
    return None if best is None else best[1]


def _text_matches(table: Table, segment: str, names: dict[int, list[int]]) -> dict[int, tuple[int, int]]:
    """Issue -> (option, position) from option texts, longest texts first, no overlaps."""
    hits: list[tuple[int, int, int, int]] = []  # (-length, position, issue, option)
    for n, issue in enumerate(table.issues):
        for o, option in enumerate(issue.options):
            needle = normalize(option)
            hits.extend((-len(needle), pos, n, o) for pos in _find(segment, needle))
    taken: list[tuple[int, int]] = []
    by_text: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for neg, pos, n, o in sorted(hits):
        span = (pos, pos - neg)
        if any(a < span[1] and span[0] < b for a, b in taken if (a, b) != span):
            continue
        if span not in taken:
            taken.append(span)
        by_text.setdefault(span, []).append((n, o))
    chosen: dict[int, tuple[int, int]] = {}
    for (pos, _end), owners in sorted(by_text.items()):
        issues = [n for n, _ in owners]
        owner = issues[0] if len(issues) == 1 else _nearest_issue(names, issues, pos)
        if owner is None:
            continue
        picked = dict(owners)[owner]
        attached = _nearest_issue(names, [owner], pos) is not None
        if owner not in chosen or attached or not _nearest_issue(names, [owner], chosen[owner][1]):
            chosen[owner] = (picked, pos)
    return chosen


def _issue_keys(issue: Issue) -> set[str]:
    """Ways a message names an issue: its name, its id, and the longer words of its name."""
    return ({normalize(issue.name), issue.id.replace("-", " "), issue.id}
            | {w for w in normalize(issue.name).split() if len(w) > 4})


def _named_right_after(issue: Issue, segment: str, end: int) -> bool:
    """True when the issue is named within a few words after position ``end`` ("4 remote days")."""
    after = segment[end:end + FOLLOW_WINDOW]
    return any(_find(after, k) for k in _issue_keys(issue))


def _covered(table: Table, segment: str, chosen: dict[int, tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of the option texts already matched (their digits are not free numbers)."""
    return [(pos, pos + len(normalize(table.issues[n].options[o]))) for n, (o, pos) in chosen.items() if pos >= 0]


def _number_matches(table: Table, segment: str, names: dict[int, list[int]],
                    chosen: dict[int, tuple[int, int]]) -> None:
    """Fill issues from bare numbers: exact option numbers, attached to a nearby issue name if shared."""
    covered = _covered(table, segment, chosen)
    for match in _NUMBER.finditer(segment):
        if any(a <= match.start() < b for a, b in covered):
            continue  # the "2" of "in 2 weeks" is part of a matched option, not a second number
        value = float(match.group(1)) * {"k": 1000, "m": 1_000_000}.get((match.group(2) or "").lower(), 1)
        owners = [(n, o) for n, issue in enumerate(table.issues) if n not in chosen
                  for o, opt in enumerate(issue.options) if number_of(opt) == value
                  and (_NUMERIC_OPTION.match(normalize(opt)) or _nearest_issue(names, [n], match.start()) is not None
                       or _named_right_after(issue, segment, match.end()))]
        if not owners:
            continue
        issues = [n for n, _ in owners]
        n = issues[0] if len(set(issues)) == 1 else _nearest_issue(names, issues, match.start())
        if n is not None and n not in chosen:
            chosen[n] = (dict(owners)[n], match.start())


def _none_matches(table: Table, segment: str, chosen: dict[int, tuple[int, int]]) -> None:
    """"no signing bonus" / "without a bonus" picks an issue's "None" option."""
    for n, issue in enumerate(table.issues):
        nothing = [o for o, opt in enumerate(issue.options) if normalize(opt) in NONE_OPTIONS]
        if n in chosen or not nothing:
            continue
        for key in _issue_keys(issue):
            hit = re.search(r"\b(?:no|without(?: an?| any)?|zero)\s+" + re.escape(key) + r"\b", segment)
            if hit:
                chosen[n] = (nothing[0], hit.start())
                break


def parse_segment(table: Table, segment: str) -> PartialPackage:
    """One partial package from one segment of text."""
    names = _name_positions(table, segment)
    chosen = _text_matches(table, segment, names)
    for part in re.split(r"[;|\n]", segment):
        key, sep, value = part.partition(":") if ":" in part else part.partition("=")
        n = _issue_by_key(table, key) if sep else None
        if n is not None:
            option = _option_by_value(table, n, value)
            if option is not None:
                chosen[n] = (option, segment.find(part))
    _number_matches(table, segment, names, chosen)
    _none_matches(table, segment, chosen)
    return tuple(chosen[n][0] if n in chosen else None for n in range(len(table.issues)))


def parse_offer(table: Table, text: str) -> Offer | None:
    """Deterministic parse; ``None`` when the text names no option of any issue."""
    packages = [p for p in (parse_segment(table, s) for s in split_segments(text)) if any(o is not None for o in p)]
    if not packages:
        return None
    unique: list[PartialPackage] = []
    for p in packages:
        if p not in unique:
            unique.append(p)
    return Offer(tuple(unique[:MAX_MESO]))


def offer_schema() -> Any:
    """The pydantic schema the LLM fills: packages of ``{issue, option}`` choices."""
    from pydantic import BaseModel, ConfigDict, Field

    class Choice(BaseModel):
        model_config = ConfigDict(extra="forbid")
        issue: str = Field(description="issue id exactly as listed")
        option: str = Field(description="option text exactly as listed")

    class ProposedPackage(BaseModel):
        model_config = ConfigDict(extra="forbid")
        choices: list[Choice]

    class ParsedOffer(BaseModel):
        """Packages the user proposed in the message; empty when the message proposes nothing."""

        model_config = ConfigDict(extra="forbid")
        packages: list[ProposedPackage]

    return ParsedOffer


def parse_offer_llm(model: BaseChatModel | None, table: Table, text: str) -> Offer | None:
    """LLM structured output validated against the table; the deterministic parser on any failure."""
    if model is None:
        return parse_offer(table, text)
    from coach.agent.prompts import render_prompt

    listing = "\n".join(f"- {i.id} ({i.name}): " + " | ".join(i.options) for i in table.issues)
    prompt = render_prompt("roleplay_offer_parser", issues=listing, message=text)
    try:
        result = model.with_structured_output(offer_schema(), method="function_calling").invoke(prompt)
        packages = [{c.issue: c.option for c in p.choices} for p in result.packages]  # type: ignore[union-attr]
        if not packages:
            return parse_offer(table, text)
        offer = structured_offer(table, packages)
        return Offer(offer.packages, source="llm")
    except Exception:  # noqa: BLE001 - any model/validation failure falls back to the deterministic parser
        return parse_offer(table, text)


def describe_package(table: Table, package: PartialPackage) -> str:
    """``"Issue: option; Issue: option"`` (mentioned issues only), the form the parser reads back."""
    return "; ".join(f"{i.name}: {i.options[o]}" for i, o in zip(table.issues, package) if o is not None)
