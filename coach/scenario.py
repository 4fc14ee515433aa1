"""Scenario model: the YAML contract shared by role-play scenarios and analysis inputs.

Pydantic models validate what comes from outside (``extra="forbid"``: a typo is an error);
``Scenario.table()`` turns a valid scenario into the frozen ``Table`` the analysis uses.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from coach.domain import Issue, Table
from coach.errors import ScenarioError

MAX_SCENARIO_BYTES = 1_000_000
_ID_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
Difficulty = Literal["easy", "normal", "hard"]
# Strict: a YAML bool (true) or a quoted "12" is not a number of points.
Number = Annotated[float, Field(strict=True)]
_SINGULAR = {"issues": "issue", "parties": "party"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartySpec(_Strict):
    """One side of the negotiation, as written in the scenario file."""

    id: str
    name: str
    role: str = ""
    brief: str = ""
    batna: Number = 0.0
    persona: str = Field(default="", description="How this side talks when the coach plays it.")
    interests: list[str] = Field(default_factory=list, description="Reasons it may reveal when asked well.")

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("must be kebab-case letters, digits and dashes, e.g. 'employer'")
        return value

    @field_validator("batna")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class IssueSpec(_Strict):
    """One issue with its options and each party's points per option."""

    id: str
    name: str
    options: list[str]
    points: dict[str, list[Number]]
    description: str = ""

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("must be kebab-case letters, digits and dashes, e.g. 'salary'")
        return value

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one option")
        if len(set(value)) != len(value):
            raise ValueError("has duplicate options")
        return value

    @field_validator("points")
    @classmethod
    def _finite_points(cls, value: dict[str, list[float]]) -> dict[str, list[float]]:
        for party, row in value.items():
            if any(not math.isfinite(x) for x in row):
                raise ValueError(f"points for '{party}' must be finite numbers")
        return value

    @model_validator(mode="after")
    def _lengths(self) -> IssueSpec:
        for party, row in self.points.items():
            if len(row) != len(self.options):
                raise ValueError(
                    f"points for '{party}' has {len(row)} numbers but there are "
                    f"{len(self.options)} options; give one number per option"
                )
        return self


class Scenario(_Strict):
    """A whole negotiation: two parties, issues, points and BATNAs."""

    id: str
    title: str
    context: str = ""
    difficulty: Difficulty = "normal"
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    parties: list[PartySpec]
    issues: list[IssueSpec]

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError("must be kebab-case, e.g. 'new-hire'")
        return value

    @model_validator(mode="after")
    def _consistency(self) -> Scenario:
        if len(self.parties) != 2:
            raise ValueError(f"needs exactly two parties, found {len(self.parties)}")
        party_ids = [p.id for p in self.parties]
        if party_ids[0] == party_ids[1]:
            raise ValueError(f"duplicate party id '{party_ids[0]}'")
        if not self.issues:
            raise ValueError("needs at least one issue")
        seen: set[str] = set()
        for issue in self.issues:
            if issue.id in seen:
                raise ValueError(f"duplicate issue id '{issue.id}'")
            seen.add(issue.id)
            missing = [p for p in party_ids if p not in issue.points]
            if missing:
                raise ValueError(f"issue '{issue.id}': points has no row for party '{missing[0]}'")
            unknown = [p for p in issue.points if p not in party_ids]
            if unknown:
                raise ValueError(f"issue '{issue.id}': points names unknown party '{unknown[0]}'")
        return self

    def party(self, party_id: str) -> PartySpec:
        """The party with this id, or a ``ScenarioError`` listing the valid ones."""
        for p in self.parties:
            if p.id == party_id:
                return p
        raise ScenarioError(f"scenario '{self.id}': no party '{party_id}'; choose one of {[p.id for p in self.parties]}")

    def table(self) -> Table:
        """The frozen analysis table (party order as in the file)."""
        a, b = self.parties[0].id, self.parties[1].id
        issues = tuple(
            Issue(
                id=i.id,
                name=i.name,
                options=tuple(i.options),
                points=(tuple(float(x) for x in i.points[a]), tuple(float(x) for x in i.points[b])),
            )
            for i in self.issues
        )
        return Table(parties=(a, b), issues=issues, batnas=(self.parties[0].batna, self.parties[1].batna))


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loader that refuses YAML aliases, which is what makes 'billion laughs' bombs possible."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ScenarioError(f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed in scenarios")
        return super().compose_node(parent, index)


def _describe(error: ValidationError) -> str:
    """One line naming where (issue and field) and what is wrong."""
    first = error.errors()[0]
    loc = list(first.get("loc", ()))
    parts: list[str] = []
    for i, key in enumerate(loc):
        if key in ("issues", "parties") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            continue
        if isinstance(key, int) and i > 0 and loc[i - 1] in ("issues", "parties"):
            parts.append(f"{_SINGULAR[str(loc[i - 1])]} #{key + 1}")
        else:
            parts.append(str(key))
    where = ".".join(parts) if parts else "scenario"
    msg = first.get("msg", "invalid").removeprefix("Value error, ")
    if first.get("type") == "extra_forbidden":
        msg = "unknown key (allowed keys are listed in DESIGN.md 'Scenario format')"
    elif first.get("type") == "missing":
        msg = "is required"
    return msg if where == "scenario" else f"{where}: {msg}"


def _issue_names(raw: Any, error: ValidationError) -> str:
    """Replace 'issue #N' with the issue id when the raw data has one."""
    text = _describe(error)
    if isinstance(raw, dict):
        for plural, kind in _SINGULAR.items():
            items = raw.get(plural)
            if not isinstance(items, list):
                continue
            for n, item in enumerate(items, start=1):
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    text = text.replace(f"{kind} #{n}.", f"{kind} '{item['id']}' ", 1)
                    text = text.replace(f"{kind} #{n}:", f"{kind} '{item['id']}':", 1)
    return text


def scenario_from_dict(raw: Any, source: str = "scenario") -> Scenario:
    """Validate a parsed mapping into a ``Scenario``; errors name ``source`` and the field."""
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a YAML mapping with id, title, parties and issues")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(f"{source}: {_issue_names(raw, err)}") from None


def parse_scenario_text(text: str, source: str = "scenario") -> Scenario:
    """Parse YAML text into a validated ``Scenario``."""
    if len(text.encode("utf-8", errors="ignore")) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{source}: file is larger than {MAX_SCENARIO_BYTES // 1000} KB; a scenario is a small YAML file")
    if not text.strip():
        raise ScenarioError(f"{source}: file is empty; write a scenario as in DESIGN.md 'Scenario format'")
    try:
        raw = yaml.load(text, Loader=_NoAliasLoader)
    except ScenarioError as err:
        raise ScenarioError(f"{source}: {err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or "not valid YAML"
        raise ScenarioError(f"{source}: {where}not valid YAML ({problem})") from None
    return scenario_from_dict(raw, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such file; give the path of a scenario YAML file")
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ScenarioError(f"{p}: cannot read ({err.strerror})") from None
    if len(data) > MAX_SCENARIO_BYTES:
        raise ScenarioError(f"{p}: file is larger than {MAX_SCENARIO_BYTES // 1000} KB; a scenario is a small YAML file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{p}: not UTF-8 text; save the scenario as UTF-8 YAML") from None
    return parse_scenario_text(text, str(p))
