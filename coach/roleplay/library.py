"""The scenario library: list and load role-play scenarios by id or file, or turn a deal sheet into one.

Scenarios live in ``knowledge/scenarios/*.yaml`` (the scenario format of ``coach/scenario.py``).
``load(ref)`` accepts a library id (``saas-sale``) or a path to any scenario file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coach.errors import ScenarioError
from coach.scenario import Scenario, load_scenario, scenario_from_dict

if TYPE_CHECKING:
    from coach.agent.dealsheet import DealSheet

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "scenarios"
SHEET_SCALE = 10.0  # deal-sheet tables are worth 100 to each side; scenarios use whole points out of 1000
SHEET_BATNA = 300.0  # default walk-away: a deal must be worth 30% of one's best package


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    """One library entry for menus and ``coach roleplay --list``."""

    id: str
    title: str
    context: str
    difficulty: str
    parties: tuple[str, str]
    issues: int
    path: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {"id": self.id, "title": self.title, "context": self.context, "difficulty": self.difficulty,
                "parties": list(self.parties), "issues": self.issues, "path": self.path}


def scenario_paths(directory: Path | None = None) -> list[Path]:
    """Scenario files in the library, sorted by name."""
    folder = directory or LIBRARY_DIR
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def list_scenarios(directory: Path | None = None) -> list[ScenarioInfo]:
    """Every library scenario (validated)."""
    out = []
    for path in scenario_paths(directory):
        s = load_scenario(path)
        out.append(ScenarioInfo(s.id, s.title, s.context, s.difficulty, (s.parties[0].id, s.parties[1].id),
                                len(s.issues), str(path)))
    return out


def load(ref: str | Path, directory: Path | None = None) -> Scenario:
    """A scenario by library id or by file path; a ``ScenarioError`` listing the ids otherwise."""
    text = str(ref).strip()
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        return load_scenario(path)
    for candidate in scenario_paths(directory):
        if candidate.stem == text:
            return load_scenario(candidate)
    ids = ", ".join(p.stem for p in scenario_paths(directory))
    raise ScenarioError(f"scenario '{text}' is neither a file nor a library id; choose one of: {ids}")


def scenario_from_deal_sheet(sheet: DealSheet, scenario_id: str = "my-deal", difficulty: str = "normal",
                             my_name: str = "You", their_name: str | None = None) -> Scenario:
    """Turn a live deal sheet into a rehearsal scenario (me = party ``me``, the other side ``them``).

    Points come from the sheet's priorities (``sheet_table``: High/Medium/Low and preferred ends,
    unknown priorities assumed Medium), scaled to whole points; both BATNAs default to 30% of each
    side's best package. Their interests from the sheet become what the counterparty may reveal.
    """
    from coach.agent.dealsheet import sheet_table

    table, assumptions = sheet_table(sheet)
    them_interests = [i.text + (f" ({i.why})" if i.why else "") for i in sheet.interests if i.party == "them"]
    mine = [i.text for i in sheet.interests if i.party == "me"]
    title = sheet.title or "My live deal"
    note = "; ".join(assumptions)
    raw = {
        "id": scenario_id,
        "title": f"Rehearsal: {title}",
        "context": "live-deal",
        "difficulty": difficulty,
        "description": "Built from your deal sheet." + (f" Assumptions: {note}." if note else ""),
        "tags": ["deal-sheet"],
        "parties": [
            {"id": "me", "name": my_name, "role": sheet.role or "", "batna": SHEET_BATNA,
             "brief": "Your side, with the priorities you gave the coach." + (f" Your alternative: {sheet.my_batna}." if sheet.my_batna else ""),
             "interests": mine},
            {"id": "them", "name": their_name or sheet.counterparty or "The other side", "role": "Counterparty",
             "batna": SHEET_BATNA, "brief": "The other side, as you described it.", "interests": them_interests,
             "persona": "Professional, guarded about numbers, open about interests when asked well."},
        ],
        "issues": [
            {"id": i.id, "name": i.name, "options": list(i.options),
             "points": {"me": [round(x * SHEET_SCALE) for x in i.points[0]],
                        "them": [round(x * SHEET_SCALE) for x in i.points[1]]}}
            for i in table.issues
        ],
    }
    return scenario_from_dict(raw, f"deal sheet '{title}'")
