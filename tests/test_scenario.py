"""Malformed scenarios: each is a one-line ScenarioError naming the file, the issue and the field,
and ``coach analyze`` turns it into exit code 2 without a traceback."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from coach.cli.analysis_cmds import register
from coach.errors import ScenarioError
from coach.scenario import load_scenario, parse_scenario_text

EXAMPLE = Path(__file__).parent / "analysis" / "data" / "new-hire.yaml"
BASE: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())


def mutated(change: Callable[[dict[str, Any]], Any]) -> str:
    data = copy.deepcopy(BASE)
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _points(issue: int, party: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d["issues"][issue]["points"].__setitem__(party, value)


BILLION_LAUGHS = "\n".join(
    ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    + [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]" for n in range(8)]
) + "\n"

# (case id, file text, substrings the one-line message must contain)
CASES: list[tuple[str, str, list[str]]] = [
    ("unknown-top-key", mutated(lambda d: d.update(budget=5)), ["budget", "unknown key"]),
    ("unknown-issue-key", mutated(lambda d: d["issues"][1].update(weight=3)), ["issue 'start'", "weight", "unknown key"]),
    ("unknown-party-key", mutated(lambda d: d["parties"][1].update(reservation=3)),
     ["party 'employer'", "reservation", "unknown key"]),
    ("missing-party-in-points", mutated(lambda d: d["issues"][1]["points"].pop("employer")),
     ["issue 'start'", "points", "party 'employer'"]),
    ("unknown-party-in-points", mutated(_points(1, "boss", [1, 2, 3])), ["issue 'start'", "points", "'boss'"]),
    ("length-mismatch", mutated(_points(1, "employer", [1, 2])), ["issue 'start'", "points for 'employer'", "3 options"]),
    ("nan-point", mutated(_points(1, "employer", [1, float("nan"), 2])), ["issue 'start'", "points", "finite"]),
    ("inf-point", mutated(_points(0, "candidate", [1, float("-inf"), 2])), ["issue 'salary'", "points", "finite"]),
    ("text-point", mutated(_points(1, "employer", [1, "lots", 2])), ["issue 'start'", "points.employer", "number"]),
    ("quoted-point", mutated(_points(1, "employer", ["1", 2, 3])), ["issue 'start'", "points.employer", "number"]),
    ("bool-point", mutated(_points(2, "candidate", [True, 2, 3])), ["issue 'remote'", "points.candidate", "number"]),
    ("points-not-list", mutated(_points(1, "employer", 5)), ["issue 'start'", "points.employer", "list"]),
    ("text-batna", mutated(lambda d: d["parties"][1].update(batna="high")), ["party 'employer'", "batna", "number"]),
    ("inf-batna", mutated(lambda d: d["parties"][0].update(batna=float("inf"))), ["party 'candidate'", "batna", "finite"]),
    ("duplicate-issue-id", mutated(lambda d: d["issues"][2].update(id="start")), ["duplicate issue id 'start'"]),
    ("duplicate-party-id", mutated(lambda d: d["parties"][1].update(id="candidate")), ["duplicate party id 'candidate'"]),
    ("duplicate-options", mutated(lambda d: d["issues"][1].update(options=["a", "a", "b"])),
     ["issue 'start'", "options", "duplicate"]),
    ("one-party", mutated(lambda d: d["parties"].pop()), ["exactly two parties", "found 1"]),
    ("three-parties", mutated(lambda d: d["parties"].append(dict(d["parties"][1], id="third"))),
     ["exactly two parties", "found 3"]),
    ("issue-without-options", mutated(lambda d: d["issues"][1].update(options=[])), ["issue 'start'", "options", "at least one"]),
    ("no-issues", mutated(lambda d: d.update(issues=[])), ["at least one issue"]),
    ("missing-title", mutated(lambda d: d.pop("title")), ["title", "required"]),
    ("missing-issue-name", mutated(lambda d: d["issues"][3].pop("name")), ["issue 'bonus'", "name", "required"]),
    ("bad-issue-id", mutated(lambda d: d["issues"][1].update(id="Start Date")), ["issue 'Start Date'", "id", "kebab-case"]),
    ("non-yaml", "id: [unclosed\n  title: {\n", ["line 2", "not valid YAML"]),
    ("not-a-mapping", "- just\n- a list\n", ["expected a YAML mapping"]),
    ("empty-file", "", ["file is empty"]),
    ("blank-file", "  \n\n", ["file is empty"]),
    ("alias-bomb", BILLION_LAUGHS, ["aliases", "not allowed"]),
]


def test_example_scenario_is_valid() -> None:
    scenario = load_scenario(EXAMPLE)
    assert scenario.table().parties == ("candidate", "employer")


@pytest.mark.parametrize(("text", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_scenario_is_one_clear_line(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for part in expected:
        assert part in message, (part, message)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    application = typer.Typer(pretty_exceptions_enable=False)
    register(application)
    return application


@pytest.mark.parametrize("text", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_cli_exit_code_2_without_traceback(app: typer.Typer, tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["analyze", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: caf\xe9".encode("latin-1"))
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(latin)
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 1_100_000)
    with pytest.raises(ScenarioError, match="larger than"):
        load_scenario(big)


def test_parse_text_names_the_source() -> None:
    with pytest.raises(ScenarioError, match=r"^deal-sheet: file is empty"):
        parse_scenario_text("", "deal-sheet")
