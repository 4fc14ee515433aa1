"""The scenario library: valid files, issue mix, loading by id or path, deal sheets, random scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.analysis.issues import issue_kinds
from coach.analysis.pareto import nash_point
from coach.errors import ScenarioError
from coach.roleplay.generator import random_scenario
from coach.roleplay.library import LIBRARY_DIR, list_scenarios, load, scenario_from_deal_sheet
from coach.scenario import load_scenario

REQUIRED_CONTEXTS = {"saas-sale", "component-procurement", "data-partnership", "job-offer", "promotion-request",
                     "home-renovation", "supplier-terms", "office-lease", "freelance-project", "used-car"}


def test_library_has_at_least_twelve_valid_scenarios() -> None:
    infos = list_scenarios()
    assert len(infos) >= 12
    assert REQUIRED_CONTEXTS <= {i.id for i in infos}
    assert {i.difficulty for i in infos} == {"easy", "normal", "hard"}
    for path in LIBRARY_DIR.glob("*.yaml"):
        assert load_scenario(path).id == path.stem


@pytest.mark.parametrize("ref", sorted(p.stem for p in LIBRARY_DIR.glob("*.yaml")))
def test_each_scenario_mixes_issue_kinds_and_has_a_zopa(ref: str) -> None:
    scenario = load(ref)
    table = scenario.table()
    kinds = set(issue_kinds(table).values())
    if ref == "used-car":
        assert len(table.issues) == 1 and kinds == {"distributive"}
    else:
        assert kinds == {"distributive", "integrative", "compatible"}, kinds
    assert nash_point(table) is not None  # some deal beats both BATNAs
    for party in scenario.parties:
        assert party.brief and party.persona and party.interests


def test_load_by_path_and_errors(tmp_path: Path) -> None:
    path = LIBRARY_DIR / "job-offer.yaml"
    assert load(str(path)).id == load("job-offer").id
    with pytest.raises(ScenarioError, match="neither a file nor a library id"):
        load("no-such-scenario")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nparties: []\nissues: []\n")
    with pytest.raises(ScenarioError, match="two parties"):
        load(bad)


def test_deal_sheet_becomes_a_playable_scenario() -> None:
    from coach.agent.dealsheet import DealIssue, DealSheet, Interest
    from coach.roleplay.session import RolePlaySession

    sheet = DealSheet(title="Renewal with Acme", counterparty="Acme", issues=(
        DealIssue(id="price", name="Price", options=("$10k", "$12k", "$14k"), my_priority="High",
                  their_priority="Medium", prefer="higher"),
        DealIssue(id="term", name="Term", options=("1 year", "2 years"), my_priority="Low", their_priority="High",
                  prefer="1 year"),
    ), interests=(Interest(party="them", text="They need budget certainty"),))
    scenario = scenario_from_deal_sheet(sheet)
    assert [p.id for p in scenario.parties] == ["me", "them"]
    assert scenario.parties[1].name == "Acme" and scenario.parties[1].interests == ["They need budget certainty"]
    points = {i.id: i.points for i in scenario.issues}
    assert points["price"]["me"][2] > points["price"]["me"][0] and points["price"]["them"][0] > points["price"]["them"][2]
    session = RolePlaySession(scenario, "me", "normal")
    turn = session.send("Why is budget so important, what are you trying to achieve?")
    assert "budget certainty" in turn.reply


@pytest.mark.parametrize("seed", range(8))
def test_random_scenarios_are_valid_balanced_and_mixed(seed: int) -> None:
    from coach.analysis.pareto import max_joint

    scenario = random_scenario(seed)
    table = scenario.table()
    assert set(issue_kinds(table).values()) == {"distributive", "integrative", "compatible"}
    nash = nash_point(table)
    assert nash is not None and nash.total == max_joint(table).total
    assert random_scenario(seed) == scenario
