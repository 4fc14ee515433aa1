"""External check on tiny made-up files in the real formats, plus the real corpora when present.

The Deal or No Deal data is CC BY-NC, so it is never copied here: the dialogues below are
invented and only follow the documented ``data.txt`` line format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from coach.domain import Issue, Table
from evals import external
from evals.bench_engine import frontier_matches_brute_force, random_table
from evals.brute import brute_force_frontier

# Three item types: (count, value) per type, this agent first. D1 is an efficient deal, D2 a
# dominated one (each side got the items it values less), D3 a disagreement, D4 "no agreement".
DND_LINES = [
    ("1 0 4 2 1 2 YOU: hats for me please <eos> THEM: fine <eos> YOU: <selection> "
    "item0=0 item1=4 item2=0 <eos> reward=8 agree 1 4 4 1 1 2"),
    ("2 3 2 1 1 2 THEM: i want hats and the ball <eos> YOU: ok <eos> YOU: <selection> "
    "item0=0 item1=2 item2=1 <eos> reward=4 agree 2 1 2 3 1 2"),
    ("1 4 4 1 1 2 THEM: hats for me please <eos> YOU: fine <eos> THEM: <selection> "
    "item0=1 item1=0 item2=1 <eos> reward=6 agree 1 0 4 2 1 2"),
    ("3 1 1 5 2 1 YOU: hat ? <eos> THEM: no <eos> THEM: <selection> "
    "item0=0 item1=1 item2=0 <eos> reward=5 disagree 3 2 1 2 2 1"),
    ("2 1 2 3 1 2 YOU: i want hats and the ball <eos> THEM: ok <eos> THEM: <selection> "
    "item0=2 item1=0 item2=0 <eos> reward=2 agree 2 3 2 1 1 2"),
    ("3 2 1 2 2 1 THEM: hat ? <eos> YOU: no <eos> YOU: <selection> "
    "item0=3 item1=1 item2=0 <eos> reward=8 disagree 3 1 1 5 2 1"),
    ("1 2 2 3 2 1 YOU: bye <eos> THEM: <selection> no agreement <eos> reward=no agreement agree "
    "1 6 2 1 2 1"),
    ("1 6 2 1 2 1 THEM: bye <eos> YOU: <selection> no agreement <eos> reward=no agreement agree "
    "1 2 2 3 2 1"),
    # no mirror: same contexts as D1 but different turns
    ("1 0 4 2 1 2 YOU: something else <eos> THEM: <selection> item0=0 item1=4 item2=0 <eos> "
    "reward=8 agree 1 4 4 1 1 2"),
]


def _submit(agent: str, you: tuple[int, int, int], they: tuple[int, int, int]) -> dict[str, Any]:
    names = ("Food", "Water", "Firewood")
    return {"text": "Submit-Deal", "id": agent, "task_data": {
        "issue2youget": {n: str(v) for n, v in zip(names, you)},
        "issue2theyget": {n: str(v) for n, v in zip(names, they)}}}


def _casino(dialogue_id: int, logs: list[dict[str, Any]]) -> dict[str, Any]:
    prios = {"mturk_agent_1": {"High": "Food", "Medium": "Water", "Low": "Firewood"},
             "mturk_agent_2": {"High": "Water", "Medium": "Food", "Low": "Firewood"}}
    hello = {"text": "Hello!", "task_data": {}, "id": "mturk_agent_1"}
    return {"dialogue_id": dialogue_id, "chat_logs": [hello, *logs], "annotations": [],
            "participant_info": {a: {"value2issue": p, "outcomes": {}} for a, p in prios.items()}}


def _accept(agent: str) -> dict[str, Any]:
    return {"text": "Accept-Deal", "id": agent, "task_data": {"data": "accept_deal"}}


CASINO = [
    # agent 2 proposes food to agent 1 and water to itself: efficient (joint 39 = max).
    _casino(1, [_submit("mturk_agent_2", (0, 3, 1), (3, 0, 2)), _accept("mturk_agent_1")]),
    # agent 1 takes all water and gives away all food: dominated by the swap.
    _casino(2, [_submit("mturk_agent_2", (3, 0, 2), (0, 3, 1)),
                {"text": "Reject-Deal", "id": "mturk_agent_1", "task_data": {"data": "reject_deal"}},
                _submit("mturk_agent_1", (0, 3, 1), (3, 0, 2)), _accept("mturk_agent_2")]),
    _casino(3, [_submit("mturk_agent_1", (3, 3, 3), (0, 0, 0)),
                {"text": "Walk-Away", "id": "mturk_agent_2", "task_data": {"data": "walk_away"}}]),
]


@pytest.fixture()
def data_dir(tmp_path: Path) -> Path:
    dnd = tmp_path / "deal-or-no-deal"
    dnd.mkdir()
    (dnd / "data.txt").write_text("\n".join(DND_LINES) + "\n", encoding="utf-8")
    casino = tmp_path / "casino"
    casino.mkdir()
    (casino / "casino_train.json").write_text(json.dumps(CASINO), encoding="utf-8")
    (casino / "casino_valid.json").write_text("[]", encoding="utf-8")
    (casino / "casino_test.json").write_text("[]", encoding="utf-8")
    return tmp_path


def test_parse_dnd_line_reads_contexts_turns_choice_and_flag() -> None:
    view = external.parse_dnd_line(DND_LINES[0])
    assert view.counts == (1, 4, 1) and view.values == (0, 2, 2)
    assert view.partner == (1, 4, 4, 1, 1, 2)
    assert view.selection == (0, 4, 0) and view.agree
    assert view.turns[:2] == ("YOU:", "hats") and view.turns[-1] == "YOU:"
    none = external.parse_dnd_line(DND_LINES[6])
    assert none.selection is None and none.agree
    with pytest.raises(ValueError):
        external.parse_dnd_line("1 2 3 hello")


def test_pairing_matches_mirror_lines_only(data_dir: Path) -> None:
    records, unpaired = external.dnd_records(data_dir / "deal-or-no-deal" / "data.txt")
    assert unpaired == 1
    assert len(records) == 4
    deals = [package for _, package in records if package is not None]
    assert deals == [(0, 4, 0), (0, 2, 1)]  # party 0 = the view seen first in the file
    table = records[0][0]
    assert table.batnas == (0.0, 0.0)
    assert [i.options for i in table.issues] == [("0", "1"), ("0", "1", "2", "3", "4"), ("0", "1")]
    assert table.issues[1].points == ((0.0, 2.0, 4.0, 6.0, 8.0), (4.0, 3.0, 2.0, 1.0, 0.0))


def test_dnd_deal_requires_complementary_agreed_splits() -> None:
    a = external.parse_dnd_line(DND_LINES[0])
    b = external.parse_dnd_line(DND_LINES[2])
    assert external.dnd_deal(a, b) == (0, 4, 0)
    greedy = external.parse_dnd_line(DND_LINES[2].replace("item0=1 item1=0", "item0=1 item1=1"))
    assert external.dnd_deal(a, greedy) is None


def test_casino_deal_is_last_submission_before_accept() -> None:
    assert external.casino_deal(CASINO[0]) == (3, 0, 2)  # agent 2's "they get" is party 0's take
    assert external.casino_deal(CASINO[1]) == (0, 3, 1)
    assert external.casino_deal(CASINO[2]) is None
    table = external.casino_table(*(CASINO[0]["participant_info"][a]["value2issue"]
                                   for a in external.CASINO_AGENTS))
    assert table.batnas == (5.0, 5.0)
    assert table.issues[0].points == ((0.0, 5.0, 10.0, 15.0), (12.0, 8.0, 4.0, 0.0))


def test_evaluate_counts_and_pareto_flags(data_dir: Path) -> None:
    result = external.evaluate(data_dir)
    dnd, casino = result["dealornodeal"], result["casino"]
    assert (dnd["dialogues"], dnd["deals"], dnd["pareto_optimal"]) == (4, 2, 1)
    assert dnd["pareto_optimal_pct"] == 50.0
    # D1 total 14 = max 14; D2 total 6 of max 14 (BATNA 0).
    assert dnd["mean_share_of_max_joint"] == pytest.approx((1 + 6 / 14) / 2, abs=1e-4)
    assert dnd["unpaired_lines"] == 1
    assert (casino["dialogues"], casino["deals"], casino["pareto_optimal"]) == (3, 2, 1)
    # C1 total 39 = max 39; C2 total 33; BATNA 5 + 5 comes off both.
    assert casino["mean_share_of_max_joint"] == pytest.approx((1 + 23 / 29) / 2, abs=1e-4)
    assert casino["mean_max_joint"] == 39.0


def test_main_prints_json_and_writes_file(data_dir: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "external.json"
    assert external.main(["--json", "--data", str(data_dir), "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text())
    for key in ("dialogues", "deals", "pareto_optimal_pct", "mean_share_of_max_joint"):
        assert key in printed["dealornodeal"] and key in printed["casino"]
    assert external.main(["--data", str(data_dir), "--out", str(out)]) == 0
    assert "Pareto-optimal: 1 of 2" in capsys.readouterr().out


def test_main_reports_missing_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert external.main(["--data", str(tmp_path / "nope"), "--out", str(tmp_path / "o.json")]) == 2
    assert "external data not found" in capsys.readouterr().err


@pytest.mark.skipif(not (external.DEFAULT_DATA / "deal-or-no-deal" / "data.txt").is_file()
                    or not (external.DEFAULT_DATA / "casino").is_dir(),
                    reason=f"real corpora not found at {external.DEFAULT_DATA} (shared/ beside the repo)")
def test_real_corpora_reproduce_the_independent_figures() -> None:
    result = external.evaluate(external.DEFAULT_DATA)
    dnd, casino = result["dealornodeal"], result["casino"]
    assert (dnd["dialogues"], dnd["deals"], dnd["pareto_optimal_pct"]) == (5916, 4765, 77.04)
    assert dnd["unpaired_lines"] == 402
    assert (casino["dialogues"], casino["deals"], casino["pareto_optimal"]) == (1030, 1005, 677)
    assert casino["pareto_optimal_pct"] == 67.36
    # SOURCE.md: 39.42 (exactly 39,614 / 1,005 = 39.4149) and 15.72.
    assert casino["mean_max_joint"] == pytest.approx(39.415, abs=0.006)
    assert dnd["mean_max_joint"] == 15.72 and dnd["mean_joint"] == 14.94


def test_brute_force_oracle_on_a_hand_checked_table() -> None:
    # one distributive issue and one where both prefer "b": frontier is the 3 splits at "b".
    issues = (Issue("x", "X", ("0", "1", "2"), ((0.0, 1.0, 2.0), (2.0, 1.0, 0.0))),
              Issue("y", "Y", ("a", "b"), ((0.0, 5.0), (0.0, 5.0))))
    table = Table(("p", "q"), issues, (0.0, 0.0))
    assert brute_force_frontier(table) == {(5.0, 7.0), (6.0, 6.0), (7.0, 5.0)}
    assert brute_force_frontier(table, chunk=2) == {(5.0, 7.0), (6.0, 6.0), (7.0, 5.0)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bench_brute_force_agrees_with_engine_on_3x3(seed: int) -> None:
    assert frontier_matches_brute_force(random_table(3, 3, seed))


def test_brute_force_integer_fast_path_matches_general_sort() -> None:
    import numpy as np

    from evals.brute import undominated

    rng = np.random.default_rng(5)
    s0 = rng.integers(-50, 50, 2000).astype(float)
    s1 = rng.integers(-50, 50, 2000).astype(float)
    fast = set(zip(*(x.tolist() for x in undominated(s0, s1))))
    general = set(zip(*(x.tolist() for x in undominated(s0 + 0.5, s1 + 0.25))))  # fractional: lexsort
    assert fast and {(a + 0.5, b + 0.25) for a, b in fast} == general
    assert all(not (c >= a and d >= b and (c, d) != (a, b)) for a, b in fast for c, d in fast)
