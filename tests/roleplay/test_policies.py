"""Self-play policies: they see only their own side; integrative beats naive and hardliner."""

from __future__ import annotations

from dataclasses import replace

import pytest

from coach.domain import Table
from coach.roleplay import policies
from coach.roleplay.library import load
from coach.roleplay.policies import make_policy, own_view
from coach.roleplay.selfplay import run_selfplay


def test_own_view_blanks_the_other_side(saas) -> None:
    table = saas.table()
    view = own_view(table, 1)
    assert all(set(i.points[0]) == {0.0} for i in view.issues) and view.batnas == (0.0, table.batnas[1])
    assert [i.points[1] for i in view.issues] == [i.points[1] for i in table.issues]
    with pytest.raises(ValueError, match="own side"):
        make_policy("integrative", table, 1)


def test_integrative_play_does_not_depend_on_hidden_points_it_never_sees(saas, monkeypatch) -> None:
    seen: list[Table] = []
    original = policies.make_policy

    def spy(name: str, view: Table, me: int):  # type: ignore[no-untyped-def]
        seen.append(view)
        return original(name, view, me)

    monkeypatch.setattr("coach.roleplay.selfplay.make_policy", spy)
    run_selfplay(saas, "integrative", "buyer", "normal")
    assert seen and all(x == 0 for i in seen[0].issues for x in i.points[0])
    # same first moves whatever the other side's true table, until its answers differ
    policy_a = make_policy("integrative", own_view(saas.table(), 1), 1)
    scaled = replace(saas.table(), issues=tuple(replace(i, points=(tuple(3 * x for x in i.points[0]), i.points[1]))
                                                for i in saas.table().issues))
    policy_b = make_policy("integrative", own_view(scaled, 1), 1)
    assert policy_a.next_message(None) == policy_b.next_message(None)


@pytest.mark.parametrize("ref", ["saas-sale", "job-offer", "tech-licensing", "component-procurement"])
def test_integrative_reaches_efficient_deals_at_normal(ref: str) -> None:
    scenario = load(ref)
    for party in scenario.parties:
        result = run_selfplay(scenario, "integrative", party.id, "normal")
        assert result.agreement and result.share_of_max is not None and result.share_of_max >= 0.95


def test_policies_show_the_gap() -> None:
    scenario = load("saas-sale")
    share = {p: sum((run_selfplay(scenario, p, side.id, "normal").share_of_max or 0) for side in scenario.parties)
             for p in ("naive", "hardliner", "integrative")}
    assert share["integrative"] > share["naive"] and share["integrative"] > share["hardliner"]
    hard = [run_selfplay(load(ref), "hardliner", load(ref).parties[0].id, "hard").agreement
            for ref in ("saas-sale", "office-lease", "job-offer")]
    assert not any(hard)  # a hardliner against a hard counterparty: no deal
