"""External check: score real human agreements with the project's own frontier code.

``python -m evals external [--json] [--data DIR] [--out FILE]``

Two public corpora nobody on this project wrote (see ``DIR/*/SOURCE.md``):

* **Deal or No Deal** (Lewis et al. 2017, CC BY-NC: never copied into this repo). ``data.txt``
  holds each dialogue twice, once per agent. A line is paired with its mirror line (contexts
  swapped, same turns with ``YOU:``/``THEM:`` swapped); a dialogue is a *deal* when both views
  hold item splits flagged ``agree`` that add up to the item counts. Table: the three item types
  are the issues, option k = party 0 (the view seen first in the file) takes k of that item;
  points are k * value for party 0 and (count - k) * value for party 1. BATNA 0 for both: DND
  pays nothing on no deal, so ``share_of_max`` = deal total / max joint.
* **CaSiNo** (Chawla et al. 2021, CC BY 4.0). Food, Water, Firewood, 3 packages each; option k =
  ``mturk_agent_1`` (party 0) takes k; a package is worth 5/4/3 to its owner when the issue is
  their High/Medium/Low priority. BATNA 5 each (a walk-away scores 5), so
  ``share_of_max`` = (deal total - 10) / (max joint - 10).

``pareto_optimal`` and ``share_of_max`` come from ``coach.analysis.deal.check_deal``; a deal is
Pareto-optimal when no split gives one side more and the other no less.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coach.domain import Issue, Package, Table

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "external"
DEFAULT_OUT = REPO_ROOT / "evals" / "results" / "external.json"

DND_DIR = "deal-or-no-deal"
DND_ITEMS = (("item0", "book"), ("item1", "hat"), ("item2", "ball"))
DND_BATNA = 0.0
CASINO_DIR = "casino"
CASINO_FILES = ("casino_train.json", "casino_valid.json", "casino_test.json")
CASINO_ISSUES = ("Food", "Water", "Firewood")
CASINO_PACKAGES = 3
CASINO_POINTS = {"High": 5, "Medium": 4, "Low": 3}
CASINO_BATNA = 5.0
CASINO_AGENTS = ("mturk_agent_1", "mturk_agent_2")

# --------------------------------------------------------------------------- Deal or No Deal


@dataclass(frozen=True, slots=True)
class DndView:
    """One line of ``data.txt``: one agent's view of a dialogue."""

    ctx: tuple[int, ...]  # count0 value0 count1 value1 count2 value2 (this agent's values)
    partner: tuple[int, ...]  # the partner's context
    turns: tuple[str, ...]  # tokens between the context and ``<selection>``
    selection: tuple[int, int, int] | None  # what this agent takes; None for no agreement/disconnect
    agree: bool

    @property
    def counts(self) -> tuple[int, int, int]:
        return (self.ctx[0], self.ctx[2], self.ctx[4])

    @property
    def values(self) -> tuple[int, int, int]:
        return (self.ctx[1], self.ctx[3], self.ctx[5])

    def key(self) -> tuple[Any, ...]:
        return (self.ctx, self.partner, self.turns)

    def mirror_key(self) -> tuple[Any, ...]:
        swap = {"YOU:": "THEM:", "THEM:": "YOU:"}
        return (self.partner, self.ctx, tuple(swap.get(t, t) for t in self.turns))


def parse_dnd_line(line: str) -> DndView:
    """Parse one raw ``data.txt`` line; ``ValueError`` when it does not have the documented shape."""
    tokens = line.split()
    if len(tokens) < 16 or "<selection>" not in tokens:
        raise ValueError(f"not a Deal or No Deal data.txt line: {line[:60]!r}")
    ctx = tuple(int(t) for t in tokens[:6])
    partner = tuple(int(t) for t in tokens[-6:])
    flag = tokens[-7]
    if flag not in ("agree", "disagree"):
        raise ValueError(f"expected agree/disagree before the partner context: {line[:60]!r}")
    at = tokens.index("<selection>")
    end = tokens.index("<eos>", at)
    chosen = tokens[at + 1 : end]
    selection: tuple[int, int, int] | None = None
    if len(chosen) == 3 and all(t.startswith(f"{item}=") for t, (item, _) in zip(chosen, DND_ITEMS)):
        a, b, c = (int(t.split("=", 1)[1]) for t in chosen)
        selection = (a, b, c)
    return DndView(ctx, partner, tuple(tokens[6:at]), selection, flag == "agree")


def pair_dnd(views: Iterable[DndView]) -> tuple[list[tuple[DndView, DndView]], int]:
    """Pair each view with its mirror (first come, first paired). Returns (pairs, unpaired count)."""
    waiting: dict[tuple[Any, ...], deque[DndView]] = defaultdict(deque)
    pairs: list[tuple[DndView, DndView]] = []
    for view in views:
        queue = waiting.get(view.mirror_key())
        if queue:
            pairs.append((queue.popleft(), view))
        else:
            waiting[view.key()].append(view)
    return pairs, sum(len(q) for q in waiting.values())


def dnd_deal(first: DndView, second: DndView) -> Package | None:
    """Party 0's take when both views agreed on complementary splits, else None."""
    if not (first.agree and second.agree) or first.selection is None or second.selection is None:
        return None
    if any(a + b != n for a, b, n in zip(first.selection, second.selection, first.counts)):
        return None
    return first.selection


def dnd_table(counts: Sequence[int], values0: Sequence[int], values1: Sequence[int]) -> Table:
    """Issues = item types; option k = party 0 takes k; BATNA 0 for both."""
    issues = []
    for (item, name), n, v0, v1 in zip(DND_ITEMS, counts, values0, values1):
        p0 = tuple(float(k * v0) for k in range(n + 1))
        p1 = tuple(float((n - k) * v1) for k in range(n + 1))
        issues.append(Issue(item, name, tuple(str(k) for k in range(n + 1)), (p0, p1)))
    return Table(("you", "them"), tuple(issues), (DND_BATNA, DND_BATNA))


def dnd_records(path: Path) -> tuple[list[tuple[Table, Package | None]], int]:
    """(table, deal or None) per paired dialogue of a raw ``data.txt``, plus the unpaired count."""
    with path.open(encoding="utf-8") as handle:
        views = [parse_dnd_line(line) for line in handle if line.strip()]
    pairs, unpaired = pair_dnd(views)
    tables: dict[tuple[Any, ...], Table] = {}
    records: list[tuple[Table, Package | None]] = []
    for first, second in pairs:
        key = (first.counts, first.values, second.values)
        if key not in tables:
            tables[key] = dnd_table(*key)
        records.append((tables[key], dnd_deal(first, second)))
    return records, unpaired


# --------------------------------------------------------------------------- CaSiNo


def casino_table(priorities0: dict[str, str], priorities1: dict[str, str]) -> Table:
    """``value2issue`` of each agent (High/Medium/Low -> issue) to a table; BATNA 5 each."""
    rank0 = {issue: level for level, issue in priorities0.items()}
    rank1 = {issue: level for level, issue in priorities1.items()}
    issues = []
    for name in CASINO_ISSUES:
        v0, v1 = CASINO_POINTS[rank0[name]], CASINO_POINTS[rank1[name]]
        n = CASINO_PACKAGES
        p0 = tuple(float(k * v0) for k in range(n + 1))
        p1 = tuple(float((n - k) * v1) for k in range(n + 1))
        issues.append(Issue(name.lower(), name, tuple(str(k) for k in range(n + 1)), (p0, p1)))
    return Table(CASINO_AGENTS, tuple(issues), (CASINO_BATNA, CASINO_BATNA))


def casino_deal(dialogue: dict[str, Any]) -> Package | None:
    """Party 0's packages in the accepted deal: the last Submit-Deal before a final Accept-Deal."""
    logs = dialogue["chat_logs"]
    if not logs or logs[-1]["text"] != "Accept-Deal":
        return None
    for message in reversed(logs):
        if message["text"] == "Submit-Deal":
            data = message["task_data"]
            side = "issue2youget" if message["id"] == CASINO_AGENTS[0] else "issue2theyget"
            return tuple(int(data[side][name]) for name in CASINO_ISSUES)
    return None


def casino_records(folder: Path) -> list[tuple[Table, Package | None]]:
    """(table, deal or None) for every dialogue in the CaSiNo split files."""
    records: list[tuple[Table, Package | None]] = []
    for name in CASINO_FILES:
        for dialogue in json.loads((folder / name).read_text(encoding="utf-8")):
            info = dialogue["participant_info"]
            table = casino_table(*(info[a]["value2issue"] for a in CASINO_AGENTS))
            records.append((table, casino_deal(dialogue)))
    return records


# --------------------------------------------------------------------------- scoring


def summarize(records: Sequence[tuple[Table, Package | None]]) -> dict[str, Any]:
    """Counts, Pareto share and share of max joint over the deals, one frontier per unique table."""
    from coach.analysis.deal import check_deal
    from coach.analysis.pareto import max_joint, pareto_frontier

    frontiers: dict[Table, Any] = {}
    optimal = at_max = strict = 0
    shares: list[float] = []
    joints: list[float] = []
    max_joints: list[float] = []
    for table, package in records:
        if package is None:
            continue
        if table not in frontiers:
            frontiers[table] = pareto_frontier(table)
        frontier = frontiers[table]
        check = check_deal(table, package, frontier=frontier)
        best = max_joint(table, frontier).total
        optimal += check.pareto_optimal
        strict += any(p.scores[0] > check.scores[0] and p.scores[1] > check.scores[1] for p in frontier)
        at_max += abs(check.total - best) < 1e-9
        joints.append(check.total)
        max_joints.append(best)
        if check.share_of_max is not None:
            shares.append(check.share_of_max)
    deals = len(joints)
    return {
        "dialogues": len(records),
        "deals": deals,
        "pareto_optimal": optimal,
        "pareto_optimal_pct": _pct(optimal, deals),
        "mean_share_of_max_joint": round(statistics.fmean(shares), 4) if shares else None,
        "mean_joint": round(statistics.fmean(joints), 2) if joints else None,
        "mean_max_joint": round(statistics.fmean(max_joints), 2) if max_joints else None,
        "deals_at_max_joint_pct": _pct(at_max, deals),
        "strictly_better_for_both_exists": strict,
        "weakly_pareto_optimal_pct": _pct(deals - strict, deals),
        "unique_deal_tables": len(frontiers),
    }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def evaluate(data_dir: Path) -> dict[str, Any]:
    """Run both corpora found under ``data_dir``; a missing corpus raises ``FileNotFoundError``."""
    dnd_path = data_dir / DND_DIR / "data.txt"
    casino_dir = data_dir / CASINO_DIR
    for needed in (dnd_path, *(casino_dir / n for n in CASINO_FILES)):
        if not needed.is_file():
            raise FileNotFoundError(f"external data not found: {needed} (pass --data DIR)")
    records, unpaired = dnd_records(dnd_path)
    dnd = summarize(records)
    dnd.update(batna=[DND_BATNA, DND_BATNA], unpaired_lines=unpaired,
               share_of_max="deal total / max joint (BATNA 0 each: no deal pays nothing)")
    casino = summarize(casino_records(casino_dir))
    casino.update(batna=[CASINO_BATNA, CASINO_BATNA],
                  share_of_max="(deal total - 10) / (max joint - 10) (walk-away scores 5 each)")
    return {"dealornodeal": dnd, "casino": casino}


def _readable(result: dict[str, Any]) -> Iterator[str]:
    names = {"dealornodeal": "Deal or No Deal", "casino": "CaSiNo"}
    for key, label in names.items():
        r = result[key]
        yield f"{label}: {r['dialogues']:,} dialogues, {r['deals']:,} deals"
        yield (f"  Pareto-optimal: {r['pareto_optimal']:,} of {r['deals']:,} "
               f"({r['pareto_optimal_pct']}%); at max joint: {r['deals_at_max_joint_pct']}%")
        yield (f"  mean joint {r['mean_joint']} of mean max {r['mean_max_joint']}; "
               f"mean share of max joint {r['mean_share_of_max_joint']} ({r['share_of_max']})")


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry for ``python -m evals external``."""
    parser = argparse.ArgumentParser(prog="python -m evals external", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default {DEFAULT_DATA}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        result = evaluate(args.data)
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2) if args.json else "\n".join(_readable(result)))
    return 0
