"""CLI JSON shapes and exit codes; stored role-play results for the progress dashboard."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coach.cli import app
from coach.cli.roleplay_cmds import register

runner = CliRunner()
_registered = False


def _app():  # type: ignore[no-untyped-def]
    global _registered
    if not _registered:
        names = {c.name for c in app.registered_commands}
        if "roleplay" not in names:
            register(app)
        _registered = True
    return app


SCRIPT = """What matters most to you, and how would you rank these issues?
# comments and blank lines are skipped

$34, 3 years, Dedicated manager, Monthly, In 2 weeks
/rewind 1
$38, 3 years, Dedicated manager, Monthly, In 2 weeks
deal
"""


def test_roleplay_script_json(tmp_path: Path) -> None:
    script = tmp_path / "lines.txt"
    script.write_text(SCRIPT)
    result = runner.invoke(_app(), ["roleplay", "saas-sale", "--side", "buyer", "--script", str(script), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"transcript", "debrief"}
    assert all(set(t) == {"speaker", "text"} and t["speaker"] in ("user", "counterparty") for t in data["transcript"])
    assert [t["speaker"] for t in data["transcript"]][:2] == ["counterparty", "user"]
    d = data["debrief"]
    for key in ("agreement", "scores", "joint", "share_of_max", "pareto_optimal", "value_left", "better_for_both",
                "offer_dance", "skills", "calibration", "citations", "branches"):
        assert key in d
    assert d["agreement"] is True and len(d["branches"]) == 2


def test_selfplay_json() -> None:
    result = runner.invoke(_app(), ["selfplay", "job-offer", "--policy", "integrative", "--side", "candidate", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"agreement", "scores", "joint", "share_of_max", "pareto_optimal", "turns"}
    assert data["agreement"] is True and data["pareto_optimal"] is True and data["share_of_max"] >= 0.95
    assert set(data["scores"]) == {"candidate", "employer"}


@pytest.mark.parametrize(("args", "message"), [
    (["selfplay", "nope"], "neither a file nor a library id"),
    (["selfplay", "saas-sale", "--side", "ceo"], "no party 'ceo'"),
    (["selfplay", "saas-sale", "--difficulty", "insane"], "difficulty 'insane' is not valid"),
    (["selfplay", "saas-sale", "--policy", "cheater"], "--policy 'cheater' is not valid"),
    (["roleplay", "saas-sale", "--script", "x.txt"], "--side is required"),
    (["roleplay", "saas-sale", "--side", "buyer", "--script", "missing.txt"], "no such file"),
    (["roleplay", "saas-sale", "--side", "buyer", "--difficulty", "brutal", "--script", "missing.txt"], "not valid"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(_app(), args)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_results_are_stored_per_user_and_date(saas, tmp_path: Path) -> None:
    from datetime import datetime

    from coach.roleplay.selfplay import play
    from coach.roleplay.session import RolePlaySession
    from coach.store.base import Database
    from coach.store.roleplay import roleplay_results, save_session, session_turns

    db = Database(f"sqlite:///{tmp_path / 'coach.db'}")
    session = play(RolePlaySession(saas, "buyer", "normal"), "integrative")
    session.rewind(2)
    session.send("$30, 1 year, Dedicated manager, Monthly, In 2 weeks")
    when = datetime(2025, 3, 1, tzinfo=UTC)
    sid = save_session(db, session, "ana", when=when)
    save_session(db, play(RolePlaySession(saas, "vendor", "hard"), "naive"), "bob")
    rows = roleplay_results(db, "ana")
    assert len(rows) == 2 and {r["branch"] for r in rows} == {"main", "branch-1"}
    main = next(r for r in rows if r["branch"] == "main")
    assert main["scenario"] == "saas-sale" and main["date"].startswith("2025-03-01")
    assert main["pareto_optimal"] is True and main["share_of_max"] == 1.0 and 0 < main["own_share"] < 1
    assert "meso" in main["tags"]["helped"]
    assert set(main) >= {"scenario", "date", "share_of_max", "pareto_optimal", "own_share", "tags"}
    assert len(roleplay_results(db, "bob")) == 1 and roleplay_results(db, "nobody") == []
    turns = session_turns(db, sid)
    assert len(turns) == session.branches["main"].turns.__len__() + 3
    db.dispose()


def test_interactive_roleplay_with_rewind_and_calibration() -> None:
    lines = ["", "", "What matters most to you?", "/rewind 0", "/branches",
             "$38, 3 years, Dedicated manager, Monthly, In 2 weeks", "deal", "/debrief", "50", "price, term"]
    result = runner.invoke(_app(), ["roleplay", "saas-sale", "--side", "buyer", "--json", "--no-save"],
                           input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout[result.stdout.index('{\n  "transcript"'):])
    d = data["debrief"]
    assert d["branch"] == "branch-1" and d["agreement"] is True
    assert d["calibration"]["guessed_top_priorities"] == ["price", "term"]
    assert d["calibration"]["priority_hits"] == 2 and d["calibration"]["guessed_own_share"] == 0.5


def test_selfplay_eval_summary(tmp_path: Path, monkeypatch) -> None:
    from coach.roleplay import library
    from evals import selfplay_eval

    real = library.list_scenarios
    monkeypatch.setattr(library, "list_scenarios", lambda: [i for i in real() if i.id in ("used-car", "job-offer")])
    out = tmp_path / "selfplay.json"
    code = selfplay_eval.main(["--json", "--unseen", "1", "--stress", "0", "--out", str(out)])
    data = json.loads(out.read_text())
    assert data["games"] == (2 + 1) * 3 * 3 * 2
    cell = data["results"]["library"]["integrative/normal"]
    assert cell["games"] == 4 and cell["agreement_rate"] == 1.0
    assert data["human_reference"]["dnd_human_pareto_optimal"] == pytest.approx(0.77, abs=0.01)
    assert code in (0, 1) and set(data["targets"]["checks"]) == {"library", "unseen"}
