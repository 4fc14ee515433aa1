"""The drill model and the drill bank (``knowledge/drills/*.yaml``).

Drills are parsed from YAML with pydantic (``extra="forbid"``) so a typo in the bank is an
error naming the file and the drill. Generated calculation drills (``calc-<template>-<seed>``)
are not in the bank: ``DrillBank.get`` rebuilds them from their id via ``generators``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from coach.errors import CoachError

SECTION_SLUGS = (
    "what-it-is",
    "why-it-works",
    "when-to-use-it",
    "how-to-do-it",
    "phrases-to-say",
    "common-mistakes",
    "worked-example",
    "evidence",
)
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CITATION_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)#([a-z0-9-]+)$")
Kind = Literal["concept", "rephrase", "micro-roleplay", "calculation"]
RephraseTarget = Literal["interest-question", "package-offer", "safe-answer"]


class DrillError(CoachError):
    """A drill id, a drill file or an answer is not usable."""


def repo_root() -> Path:
    """The project folder holding ``knowledge/`` and ``prompts/``."""
    return Path(__file__).resolve().parents[2]


def default_bank_dir() -> Path:
    """Where the drill bank lives: ``knowledge/drills``."""
    return repo_root() / "knowledge" / "drills"


class _DrillBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    practice: str = Field(description="Doc id of the practice or concept this drill trains.")
    skills: tuple[str, ...] = Field(default=(), description="Skill tags (match role-play debrief tags).")
    prompt: str = Field(min_length=10)
    explanation: str = Field(min_length=10, description="Why the answer is right; shown after grading.")
    citation: str = Field(description="Chunk id DOC_ID#section-slug the explanation rests on.")

    @field_validator("id", "practice")
    @classmethod
    def _kebab(cls, value: str) -> str:
        if not _ID_RE.match(value):
            raise ValueError(f"'{value}' must be kebab-case (letters, digits, dashes)")
        return value

    @field_validator("citation")
    @classmethod
    def _citation(cls, value: str) -> str:
        match = _CITATION_RE.match(value)
        if not match or match.group(2) not in SECTION_SLUGS:
            raise ValueError(f"'{value}' must look like DOC_ID#slug with slug one of {list(SECTION_SLUGS)}")
        return value

    @property
    def skill_tags(self) -> tuple[str, ...]:
        """The drill's practice plus its skill tags (what a correct answer counts toward)."""
        return (self.practice, *[s for s in self.skills if s != self.practice])

    @property
    def card_key(self) -> str:
        """The spaced-repetition card this drill reviews (the drill id for bank drills)."""
        return self.id

    def public(self) -> dict[str, object]:
        """What the learner sees before answering (no answer key)."""
        data: dict[str, object] = {"id": self.id, "practice": self.practice, "kind": self.kind_name, "prompt": self.prompt}
        choices = getattr(self, "choices", None)
        if choices:
            data["choices"] = list(choices)
        return data

    @property
    def kind_name(self) -> str:
        return str(self.kind)  # type: ignore[attr-defined]


class ConceptDrill(_DrillBase):
    """Multiple choice (``choices`` + ``answer`` index) or short answer (``accepted``)."""

    kind: Literal["concept"]
    choices: tuple[str, ...] | None = None
    answer: int | None = None
    accepted: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_form(self) -> ConceptDrill:
        if self.choices is not None:
            if len(self.choices) < 2 or self.answer is None or not 0 <= self.answer < len(self.choices):
                raise ValueError("multiple choice needs >= 2 choices and an 'answer' index into them")
            if self.accepted:
                raise ValueError("use either 'choices' + 'answer' or 'accepted', not both")
        elif not self.accepted or self.answer is not None:
            raise ValueError("short answer needs 'accepted' (a list of accepted answers) and no 'answer'")
        return self

    @property
    def model_answer(self) -> str:
        if self.choices is not None and self.answer is not None:
            return f"{chr(65 + self.answer)}. {self.choices[self.answer]}"
        return self.accepted[0]


class RephraseDrill(_DrillBase):
    """Rewrite a line: a position into an interest question, a demand into a package offer,
    a bottom-line reveal into a safe answer. Graded by a rubric."""

    kind: Literal["rephrase"]
    target: RephraseTarget
    model_answer: str = Field(min_length=10)
    issues: tuple[str, ...] = Field(default=(), description="Issue words a package offer should link (>= 2).")

    @model_validator(mode="after")
    def _issues_for_packages(self) -> RephraseDrill:
        if self.target == "package-offer" and len(self.issues) < 2:
            raise ValueError("a package-offer drill needs at least two 'issues' words to look for")
        return self


class MicroRoleplayDrill(_DrillBase):
    """A three-turn exchange on a scenario, scored by the role-play debrief."""

    kind: Literal["micro-roleplay"]
    scenario: str = Field(description="Scenario id in knowledge/scenarios.")
    side: str = Field(description="The party the learner plays.")
    turns: int = Field(default=3, ge=1, le=5)
    focus: tuple[str, ...] = Field(min_length=1, description="Debrief skill tags this drill scores.")
    model_answer: str = Field(min_length=10, description="Example lines, one per turn, separated by ' || '.")


class CalculationDrill(_DrillBase):
    """A drill generated from a seed by ``coach.practice.generators``; graded by the engine."""

    kind: Literal["calculation"]
    template: str
    seed: int
    choices: tuple[str, ...] | None = None
    answer_format: str = ""
    model_answer: str = ""

    @property
    def card_key(self) -> str:
        """Calculation drills share one card per template: a due review gets fresh numbers."""
        return f"calc-{self.template}"


BankDrill = Annotated[ConceptDrill | RephraseDrill | MicroRoleplayDrill, Field(discriminator="kind")]
Drill = ConceptDrill | RephraseDrill | MicroRoleplayDrill | CalculationDrill


class BankFile(BaseModel):
    """One YAML file of the bank: a default practice and its drills."""

    model_config = ConfigDict(extra="forbid")

    practice: str
    drills: list[dict[str, object]]


_BANK_ADAPTER: TypeAdapter[BankDrill] | None = None


def _adapter() -> TypeAdapter[BankDrill]:
    global _BANK_ADAPTER
    if _BANK_ADAPTER is None:
        _BANK_ADAPTER = TypeAdapter(BankDrill)
    return _BANK_ADAPTER


def _first_error(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "drill"
    return f"{where}: {first['msg']}"


def parse_drill(raw: dict[str, object], source: str = "<drill>") -> BankDrill:
    """Validate one bank drill; ``DrillError`` naming the source, the drill id and the field."""
    try:
        return _adapter().validate_python(raw)
    except ValidationError as err:
        raise DrillError(f"{source}: drill '{raw.get('id', '?')}' is invalid: {_first_error(err)}") from None


def load_bank_file(path: Path) -> list[BankDrill]:
    """Drills of one YAML file; the file's ``practice`` is the default for its drills."""
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        bank_file = BankFile.model_validate(raw)
    except (OSError, yaml.YAMLError) as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DrillError(f"{path.name}: cannot read the drill file{where} ({err.__class__.__name__}); "
                         "fix the YAML (quote text that contains ': ')") from None
    except ValidationError as err:
        raise DrillError(f"{path.name}: {_first_error(err)}; expected keys 'practice' and 'drills'") from None
    drills = []
    for entry in bank_file.drills:
        merged = {"practice": bank_file.practice, **entry}
        drills.append(parse_drill(merged, path.name))
    return drills


@dataclass
class DrillBank:
    """Bank drills by id plus the calculation templates; ``errors`` lists files that failed."""

    drills: dict[str, BankDrill] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[BankDrill]:
        return iter(self.drills.values())

    def __len__(self) -> int:
        return len(self.drills)

    def get(self, drill_id: str) -> Drill:
        """A bank drill or a regenerated calculation drill; ``DrillError`` for an unknown id."""
        from coach.practice import generators

        if not isinstance(drill_id, str) or not drill_id.strip():
            raise DrillError("drill id is empty; pass the id printed by `coach practice --json`")
        drill_id = drill_id.strip()
        if drill_id in self.drills:
            return self.drills[drill_id]
        if generators.is_generated_id(drill_id):
            return generators.generate_from_id(drill_id)
        raise DrillError(
            f"unknown drill id '{drill_id[:80]}'; pass an id printed by `coach practice --json`"
        )

    def practices(self) -> list[str]:
        """Every practice id the bank (and the calculation templates) trains, sorted."""
        from coach.practice import generators

        ids = {d.practice for d in self.drills.values()} | set(generators.TEMPLATE_PRACTICES.values())
        return sorted(ids)

    def by_practice(self, practice: str) -> list[BankDrill]:
        return [d for d in self.drills.values() if d.practice == practice]


def load_bank(folder: Path | None = None) -> DrillBank:
    """Load every ``*.yaml`` in the bank folder. A broken file is reported in ``errors`` and
    skipped, so one typo never hides the rest of the bank; duplicate ids are errors too."""
    folder = folder or default_bank_dir()
    bank = DrillBank()
    for path in sorted(folder.glob("*.yaml")):
        try:
            drills = load_bank_file(path)
        except DrillError as err:
            bank.errors.append(str(err))
            continue
        for drill in drills:
            if drill.id in bank.drills:
                bank.errors.append(f"{path.name}: duplicate drill id '{drill.id}'; ids must be unique")
                continue
            bank.drills[drill.id] = drill
    return bank
