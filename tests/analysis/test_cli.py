"""``coach analyze`` and ``coach zopa``: JSON shapes, deal parsing, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from coach.cli.analysis_cmds import parse_theirs, register
from tests.analysis.conftest import DATA

HIRE = DATA / "new-hire.yaml"
SUPPLY = DATA / "supply-deal.yaml"


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer(pretty_exceptions_enable=False)
    register(application)
    return application


def run(app: typer.Typer, *args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_analyze_json_shape_without_deal(app: typer.Typer) -> None:
    code, out, _ = run(app, "analyze", HIRE, "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"scenario", "packages", "frontier", "max_joint", "nash", "issues"}
    assert report["scenario"] == "new-hire"
    assert report["packages"] == 54
    assert report["issues"] == [
        {"id": "salary", "kind": "distributive"}, {"id": "start", "kind": "integrative"},
        {"id": "remote", "kind": "compatible"}, {"id": "bonus", "kind": "integrative"},
    ]
    point = report["frontier"][0]
    assert set(point) == {"scores", "package"}
    assert set(point["scores"]) == {"candidate", "employer"}
    assert set(point["package"]) == {"salary", "start", "remote", "bonus"}
    firsts = [p["scores"]["candidate"] for p in report["frontier"]]
    assert firsts == sorted(firsts) and len(firsts) == 8
    assert set(report["max_joint"]) == {"total", "scores", "package"}
    assert report["max_joint"]["total"] == 6800.0
    assert report["nash"]["scores"] == {"candidate": 3900.0, "employer": 2900.0}


@pytest.mark.parametrize(
    "deal",
    [
        ["price=$10.00", "delivery=2 weeks", "payment=net 30", "term=1 year"],  # by text
        ["price=1", "delivery=1", "payment=0", "term=0"],                       # by index
    ],
)
def test_analyze_json_with_deal(app: typer.Typer, deal: list[str]) -> None:
    args = [a for item in deal for a in ("--deal", item)]
    code, out, _ = run(app, "analyze", SUPPLY, *args, "--json")
    assert code == 0
    report = json.loads(out)
    d = report["deal"]
    assert set(d) == {"scores", "total", "pareto_optimal", "value_left", "share_of_max", "better_for_both"}
    assert d["scores"] == {"buyer": 32.5, "supplier": 30.0}
    assert d["total"] == 62.5 and d["pareto_optimal"] is False
    assert d["value_left"] == 45.0
    assert d["share_of_max"] == pytest.approx((62.5 - 45.5) / (107.5 - 45.5))
    assert len(d["better_for_both"]) == 5
    assert d["better_for_both"][0]["total"] == 107.5
    assert all(p["scores"]["buyer"] >= 32.5 and p["scores"]["supplier"] >= 30 for p in d["better_for_both"])


@pytest.mark.parametrize(
    ("deal", "message"),
    [
        (["price=$99", "delivery=0", "payment=0", "term=0"], "issue 'price': unknown option '$99'"),
        (["price=7", "delivery=0", "payment=0", "term=0"], "issue 'price': unknown option '7'"),
        (["cost=1", "delivery=0", "payment=0", "term=0"], "unknown issue 'cost'"),
        (["price=1"], "issue 'delivery' has no option"),
        (["price"], "write ISSUE=OPTION"),
    ],
)
def test_analyze_bad_deal_exits_2(app: typer.Typer, deal: list[str], message: str) -> None:
    args = [a for item in deal for a in ("--deal", item)]
    code, out, err = run(app, "analyze", SUPPLY, *args, "--json")
    assert code == 2
    assert message in err and err.startswith("error: ") and err.count("\n") == 1
    assert out == ""


def test_analyze_readable_table(app: typer.Typer) -> None:
    code, out, _ = run(app, "analyze", HIRE, "--deal", "salary=1", "--deal", "start=June",
                       "--deal", "remote=0", "--deal", "bonus=$5k")
    assert code == 0
    assert "Pareto frontier" in out and "distributive" in out and "Max joint" in out
    assert "Pareto-optimal: no" in out and "better for both" in out


def test_zopa_json_and_text(app: typer.Typer) -> None:
    code, out, _ = run(app, "zopa", "--mine", "150k", "--theirs", "140000-170000", "--role", "buyer", "--json")
    assert code == 0
    z = json.loads(out)
    assert z["exists"] is True and z["low"] == 140000 and z["high"] == 150000 and z["width"] == 10000
    assert z["probability"] == pytest.approx(1 / 3)
    assert z["first_offer"] < 140000 and z["rationale"] and z["gap"] is None
    code, out, _ = run(app, "zopa", "--mine", "100", "--theirs", "120", "--role", "buyer", "--json")
    z = json.loads(out)
    assert code == 0 and z["exists"] is False and z["gap"] == 20 and "add issues" in z["advice"].lower()
    code, out, _ = run(app, "zopa", "--mine", "100", "--theirs", "90..130", "--role", "seller")
    assert code == 0 and "ZOPA" in out and "First offer" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mine", "lots", "--theirs", "5", "--role", "buyer"], "--mine: 'lots' is not a number"),
        (["--mine", "5", "--theirs", "a-b", "--role", "buyer"], "--theirs"),
        (["--mine", "5", "--theirs", "4", "--role", "lender"], "--role must be buyer or seller"),
    ],
)
def test_zopa_bad_input_exits_2(app: typer.Typer, args: list[str], message: str) -> None:
    code, _, err = run(app, "zopa", *args)
    assert code == 2 and message in err


def test_parse_theirs_forms() -> None:
    assert parse_theirs("120") == (120.0, None)
    assert parse_theirs("-5") == (-5.0, None)
    assert parse_theirs("100-120") == (100.0, 120.0)
    assert parse_theirs("$100k - $120k") == (100000.0, 120000.0)
    assert parse_theirs("-10--2") == (-10.0, -2.0)
    assert parse_theirs("1.5m to 2m") == (1.5e6, 2e6)


def test_real_entry_point_exit_code_and_no_heavy_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: X\nparties: []\nissues: []\nsurprise: 1\n")
    code = (
        "import sys, runpy; sys.argv = ['coach'] + sys.argv[1:]\n"
        "from coach.cli import app\n"
        "from coach.cli import analysis_cmds\n"
        "analysis_cmds.register(app)\n"
        "try:\n    app()\nexcept SystemExit as e:\n"
        "    heavy = [m for m in ('langchain', 'chromadb', 'torch', 'openai', 'streamlit') if m in sys.modules]\n"
        "    print('HEAVY', heavy, file=sys.stderr); raise\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "analyze", str(bad), "--json"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == f"error: {bad}: surprise: unknown key (allowed keys are listed in DESIGN.md 'Scenario format')"
    assert "HEAVY []" in proc.stderr
    proc = subprocess.run([sys.executable, "-c", code, "zopa", "--mine", "1", "--theirs", "0-3", "--role", "buyer",
                           "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and json.loads(proc.stdout)["probability"] == pytest.approx(1 / 3)
    assert "HEAVY []" in proc.stderr
