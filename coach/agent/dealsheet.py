"""The deal sheet: what the coach knows about one live negotiation.

A pydantic model (``extra="forbid"``) so that anything the model or the slot filler writes is
validated. It is frozen: it changes only through :func:`apply_update` (called by the
``update_deal_sheet`` tool and the offline slot filler) and :func:`with_result` (tools storing
their engine results for the prep sheet). Free text never edits it directly.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Level = Literal["High", "Medium", "Low"]
Priority = Level | float
Side = Literal["me", "them"]
Role = Literal["buyer", "seller"]

# Issue names treated as "the price" (the single quantity the ZOPA is about).
PRICE_WORDS = frozenset({"price", "salary", "fee", "fees", "rate", "cost", "budget", "pay", "compensation",
                         "base", "base-salary", "amount", "value", "license-fee", "day-rate", "rent"})
FORECAST_GAP = 0.1  # beliefs this far apart (probability) make a contingent clause worth considering


def slugify(text: str) -> str:
    """``"Start date"`` -> ``"start-date"`` (issue ids)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return slug[:48] or "issue"


class SheetModel(BaseModel):
    """Base of every deal-sheet model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _level(value: Any) -> Any:
    """Accept 'high'/'HIGH'/'h' for High etc.; numbers pass through as points."""
    if isinstance(value, str):
        folded = value.strip().casefold()
        for level in ("High", "Medium", "Low"):
            if folded in (level.casefold(), level[0].casefold()) or (level == "Medium" and folded == "med"):
                return level
    return value


class DealIssue(SheetModel):
    """One negotiable issue: options (or a numeric range), both sides' priorities, my preference."""

    id: str
    name: str
    options: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    my_priority: Priority | None = None
    their_priority: Priority | None = None
    prefer: str | None = Field(default=None, description="my preferred end: 'higher', 'lower' or an option")

    _levels = field_validator("my_priority", "their_priority", mode="before")(_level)


class Forecast(SheetModel):
    """An uncertain outcome with each side's probability belief (0..1)."""

    outcome: str
    my_probability: float | None = Field(default=None, ge=0, le=1)
    their_probability: float | None = Field(default=None, ge=0, le=1)

    @property
    def differs(self) -> bool:
        """True when both beliefs are known and at least ``FORECAST_GAP`` apart."""
        if self.my_probability is None or self.their_probability is None:
            return False
        return abs(self.my_probability - self.their_probability) >= FORECAST_GAP - 1e-12


class Interest(SheetModel):
    """Something a side wants, and why (the "why" is what probing interests is for)."""

    party: Side
    text: str
    why: str | None = None


class DealSheet(SheetModel):
    """Parties, issues, priorities, BATNA/reservation/target, estimates, forecasts, interests,
    open questions, plus the engine results stored by the tools (for the prep sheet)."""

    title: str | None = None
    counterparty: str | None = None
    role: Role | None = None
    currency: str | None = None
    issues: tuple[DealIssue, ...] = ()
    my_batna: str | None = None
    my_batna_value: float | None = None
    reservation: float | None = None
    target: float | None = None
    their_reservation_low: float | None = None
    their_reservation_high: float | None = None
    their_batna: str | None = None
    forecasts: tuple[Forecast, ...] = ()
    forecasts_checked: bool = False
    interests: tuple[Interest, ...] = ()
    open_questions: tuple[str, ...] = ()
    current_offer: dict[str, str] = Field(default_factory=dict)
    results: dict[str, Any] = Field(default_factory=dict)

    _finite_values = field_validator(
        "my_batna_value", "reservation", "target", "their_reservation_low", "their_reservation_high"
    )(_finite)

    @model_validator(mode="after")
    def _ordered_range(self) -> DealSheet:
        low, high = self.their_reservation_low, self.their_reservation_high
        if low is not None and high is not None and low > high:
            raise ValueError("their_reservation_low must not exceed their_reservation_high")
        return self

    def issue(self, key: str) -> DealIssue | None:
        """An issue by id or (case-insensitive) name."""
        slug = slugify(key)
        for item in self.issues:
            if item.id == slug or item.name.casefold() == key.casefold():
                return item
        return None

    @property
    def non_price_issues(self) -> list[DealIssue]:
        """Issues other than the price-like quantity."""
        return [i for i in self.issues if i.id not in PRICE_WORDS]

    @property
    def differing_forecasts(self) -> list[Forecast]:
        """Forecasts where the two sides' beliefs differ enough for a contingent clause."""
        return [f for f in self.forecasts if f.differs]

    def summary(self) -> str:
        """A compact plain-text view for prompts and the terminal (no tool results dumped)."""
        cur = f" {self.currency}" if self.currency else ""
        lines = [f"counterparty: {self.counterparty or '?'}; my role: {self.role or '?'}"]
        lines.append(f"my BATNA: {self.my_batna or '?'}" + (f" (worth {self.my_batna_value:g}{cur})"
                                                              if self.my_batna_value is not None else ""))
        lines.append(f"reservation: {_num(self.reservation, cur)}; target: {_num(self.target, cur)}; "
                     f"their reservation (estimate): {_range(self.their_reservation_low, self.their_reservation_high, cur)}")
        for item in self.issues:
            extent = f" options: {', '.join(item.options)}" if item.options else (
                f" range {item.low:g}-{item.high:g}" if item.low is not None and item.high is not None else "")
            lines.append(f"- issue {item.id}: me {item.my_priority or '?'}, them {item.their_priority or '?'}"
                         f"{'; prefer ' + item.prefer if item.prefer else ''};{extent}")
        for f in self.forecasts:
            lines.append(f"- forecast '{f.outcome}': me {_pct(f.my_probability)}, them {_pct(f.their_probability)}")
        for i in self.interests:
            lines.append(f"- interest ({i.party}): {i.text}" + (f" because {i.why}" if i.why else ""))
        for q in self.open_questions:
            lines.append(f"- open question: {q}")
        if self.current_offer:
            lines.append("current offer: " + ", ".join(f"{k}={v}" for k, v in self.current_offer.items()))
        if self.results:
            lines.append("tool results stored: " + ", ".join(sorted(self.results)))
        return "\n".join(lines)


def _num(value: float | None, cur: str) -> str:
    return "?" if value is None else f"{value:,.0f}{cur}" if abs(value) >= 100 else f"{value:g}{cur}"


def _range(low: float | None, high: float | None, cur: str) -> str:
    if low is None and high is None:
        return "?"
    if low is None or high is None or low == high:
        return _num(low if low is not None else high, cur)
    return f"{_num(low, '')}-{_num(high, cur)}"


def _pct(p: float | None) -> str:
    return "?" if p is None else f"{p:.0%}"


# --------------------------------------------------------------------------------------------
# Updates: the one way facts enter the sheet.


class IssueInput(SheetModel):
    """An issue to add or refine."""

    name: str = Field(min_length=1, max_length=80)
    options: list[str] = Field(default_factory=list, description="options, my best first")
    low: float | None = None
    high: float | None = None
    unit: str | None = None


class PriorityInput(SheetModel):
    """How much one side cares about one issue: High/Medium/Low or a point weight."""

    issue: str = Field(min_length=1, description="issue id or name; unknown issues are added")
    side: Side
    level: Priority
    prefer: str | None = Field(default=None, description="side=me only: higher, lower or my best option")

    _levels = field_validator("level", mode="before")(_level)


class ForecastInput(SheetModel):
    """Each side's probability (0..1) that an uncertain outcome happens."""

    outcome: str = Field(min_length=1)
    my_probability: float | None = Field(default=None, ge=0, le=1)
    their_probability: float | None = Field(default=None, ge=0, le=1)


class InterestInput(SheetModel):
    """An interest learned: who wants what, and why."""

    party: Side
    text: str = Field(min_length=1)
    why: str | None = None


class DealSheetUpdate(SheetModel):
    """Facts to record. Every field is optional; only the fields given change the sheet."""

    title: str | None = None
    counterparty: str | None = None
    role: Role | None = Field(default=None, description="my role for the price: buyer pays, seller is paid")
    currency: str | None = Field(default=None, description="ISO code, e.g. USD, EUR")
    issues: list[IssueInput] = Field(default_factory=list)
    priorities: list[PriorityInput] = Field(default_factory=list)
    my_batna: str | None = Field(default=None, description="my best alternative if there is no deal")
    my_batna_value: float | None = None
    reservation: float | None = Field(default=None, description="my walk-away number for the price")
    target: float | None = Field(default=None, description="my ambitious but justified goal for the price")
    their_reservation_low: float | None = Field(default=None, description="estimate of their walk-away (low end)")
    their_reservation_high: float | None = Field(default=None, description="estimate of their walk-away (high end)")
    their_batna: str | None = None
    forecasts: list[ForecastInput] = Field(default_factory=list)
    forecasts_checked: bool | None = None
    interests: list[InterestInput] = Field(default_factory=list)
    open_questions: list[str] = Field(default_factory=list)
    current_offer: dict[str, str] = Field(default_factory=dict, description="issue id -> option on the table")

    _finite_values = field_validator(
        "my_batna_value", "reservation", "target", "their_reservation_low", "their_reservation_high"
    )(_finite)

    def is_empty(self) -> bool:
        """True when the update would change nothing."""
        return not self.model_dump(exclude_defaults=True)


_SCALARS = ("title", "counterparty", "role", "currency", "my_batna", "my_batna_value", "reservation", "target",
            "their_reservation_low", "their_reservation_high", "their_batna", "forecasts_checked")


def _merge_issue(existing: DealIssue | None, item: IssueInput) -> DealIssue:
    base = existing or DealIssue(id=slugify(item.name), name=item.name.strip())
    changes: dict[str, Any] = {}
    if item.options:
        changes["options"] = tuple(o.strip() for o in item.options if o.strip())
    for key in ("low", "high", "unit"):
        if getattr(item, key) is not None:
            changes[key] = getattr(item, key)
    return base.model_copy(update=changes)


def _upsert(issues: list[DealIssue], new: DealIssue) -> None:
    for n, item in enumerate(issues):
        if item.id == new.id:
            issues[n] = new
            return
    issues.append(new)


def _apply_issues(sheet: DealSheet, update: DealSheetUpdate, changed: list[str]) -> tuple[DealIssue, ...]:
    issues = list(sheet.issues)
    for item in update.issues:
        merged = _merge_issue(next((i for i in issues if i.id == slugify(item.name)), None), item)
        _upsert(issues, merged)
        changed.append(f"issue:{merged.id}")
    for p in update.priorities:
        current = next((i for i in issues if i.id == slugify(p.issue) or i.name.casefold() == p.issue.casefold()),
                       None) or DealIssue(id=slugify(p.issue), name=p.issue.strip())
        field = "my_priority" if p.side == "me" else "their_priority"
        changes: dict[str, Any] = {field: p.level}
        if p.prefer and p.side == "me":
            changes["prefer"] = p.prefer
        _upsert(issues, current.model_copy(update=changes))
        changed.append(f"priority:{p.side}:{current.id}")
    return tuple(issues)


def apply_update(sheet: DealSheet, update: DealSheetUpdate) -> tuple[DealSheet, list[str]]:
    """Return the updated sheet and the list of what changed (validated as a whole)."""
    changed: list[str] = []
    data: dict[str, Any] = {}
    for key in _SCALARS:
        value = getattr(update, key)
        if value is not None and value != getattr(sheet, key):
            data[key] = value
            changed.append(key)
    if update.issues or update.priorities:
        data["issues"] = _apply_issues(sheet, update, changed)
    if update.forecasts:
        forecasts = {slugify(f.outcome): f for f in sheet.forecasts}
        for f in update.forecasts:
            old = forecasts.get(slugify(f.outcome))
            merged = Forecast(outcome=f.outcome,
                              my_probability=f.my_probability if f.my_probability is not None else
                              (old.my_probability if old else None),
                              their_probability=f.their_probability if f.their_probability is not None else
                              (old.their_probability if old else None))
            forecasts[slugify(f.outcome)] = merged
            changed.append(f"forecast:{slugify(f.outcome)}")
        data["forecasts"] = tuple(forecasts.values())
    if update.interests:
        known = list(sheet.interests)
        for i in update.interests:
            new = Interest(party=i.party, text=i.text.strip(), why=i.why.strip() if i.why else None)
            known = [k for k in known if not (k.party == new.party and k.text.casefold() == new.text.casefold())]
            known.append(new)
            changed.append(f"interest:{i.party}")
        data["interests"] = tuple(known)
    new_questions = [q.strip() for q in update.open_questions if q.strip() and q.strip() not in sheet.open_questions]
    if new_questions:
        data["open_questions"] = sheet.open_questions + tuple(dict.fromkeys(new_questions))
        changed.append("open_questions")
    if update.current_offer:
        data["current_offer"] = {**sheet.current_offer, **{slugify(k): v for k, v in update.current_offer.items()}}
        changed.append("current_offer")
    if not data:
        return sheet, []
    return DealSheet.model_validate(sheet.model_dump() | data), changed


def with_result(sheet: DealSheet, name: str, result: Any) -> DealSheet:
    """The sheet with one tool's engine result stored (for the prep sheet and the checklist)."""
    return sheet.model_copy(update={"results": {**sheet.results, name: result}})


def load_sheet(raw: dict[str, Any] | None) -> DealSheet:
    """A sheet from its stored dict (``None`` -> an empty sheet)."""
    return DealSheet.model_validate(raw or {})


# --------------------------------------------------------------------------------------------
# The deal sheet as a point table (approximate, from priorities) for the engine.

GENERIC_OPTIONS = ("my terms", "middle", "their terms")
DEFAULT_LEVEL = "Medium"
RANGE_STEPS = 3
PARTIES = ("me", "them")  # party ids of the sheet's table: me = party 0


def _fmt_option(value: float, unit: str | None) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    return f"{text} {unit}".strip() if unit else text


def issue_options(issue: DealIssue) -> tuple[tuple[str, ...], str]:
    """Options of an issue for the table and my preference in ``table_from_priorities`` terms.

    Listed options: my best first unless ``prefer`` says 'higher'/'lower' or names an option.
    A numeric range becomes ``RANGE_STEPS`` evenly spaced values. With neither, the generic
    ``my terms / middle / their terms`` scale stands in (my best first).
    """
    if issue.options:
        options = issue.options
    elif issue.low is not None and issue.high is not None and issue.high > issue.low:
        step = (issue.high - issue.low) / (RANGE_STEPS - 1)
        options = tuple(_fmt_option(issue.low + n * step, issue.unit) for n in range(RANGE_STEPS))
        return options, "ascending" if (issue.prefer or "higher") == "higher" else "descending"
    else:
        return GENERIC_OPTIONS, "descending"
    prefer = (issue.prefer or "").strip()
    if prefer.casefold() == "higher":
        return options, "ascending"
    if prefer.casefold() == "lower":
        return options, "descending"
    if prefer in options:
        return options, prefer
    return options, "descending"


def sheet_table(sheet: DealSheet, min_issues: int = 2) -> tuple[Any, list[str]]:
    """The sheet as an approximate ``Table`` (me = party 0) plus the assumptions made.

    Missing priorities count as Medium; the other side is assumed to prefer the opposite end of
    each issue. Raises ``AnalysisError`` naming what to add when there are too few issues.
    """
    from coach.analysis.priorities import IssuePriority, table_from_priorities
    from coach.errors import AnalysisError

    if len(sheet.issues) < min_issues:
        raise AnalysisError(f"issues: the deal sheet has {len(sheet.issues)} issue(s); add at least {min_issues} "
                            "(e.g. price, timing, payment terms) with update_deal_sheet")
    generic: list[str] = []
    unknown: dict[str, list[str]] = {"my": [], "their": []}
    items = []
    for issue in sheet.issues:
        options, mine = issue_options(issue)
        if options == GENERIC_OPTIONS:
            generic.append(issue.id)
        ratings: list[str | float] = []
        for side, level in (("my", issue.my_priority), ("their", issue.their_priority)):
            if level is None:
                unknown[side].append(issue.id)
            ratings.append(level if level is not None else DEFAULT_LEVEL)
        theirs: Any = {"ascending": "descending", "descending": "ascending"}.get(str(mine))
        if theirs is None:  # mine is an option name: they are assumed to prefer the reverse order
            theirs = "ascending" if options.index(str(mine)) == 0 else "descending"
        items.append(IssuePriority(id=issue.id, options=tuple(options), ratings=(ratings[0], ratings[1]),
                                   preferences=(mine if mine in ("ascending", "descending") else [mine], theirs),
                                   name=issue.name))
    assumptions = [f"{side} priority unknown, assumed {DEFAULT_LEVEL}: {', '.join(ids)}"
                   for side, ids in unknown.items() if ids]
    if generic:
        assumptions.append(f"no options given, scale my terms/middle/their terms: {', '.join(generic)}")
    return table_from_priorities(PARTIES, items), assumptions
