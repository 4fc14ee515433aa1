"""The five calculation templates: build a drill from a seed, grade an answer with the engine.

Every expected answer comes from ``coach.analysis``; the grader recomputes it from the seed.
"""

from __future__ import annotations

import itertools
import random

from coach.domain import Package, Table
from coach.practice.drills import CalculationDrill
from coach.practice.generators import (
    LETTERS,
    CalcGrade,
    _drill,
    describe_package,
    money,
    parse_choice,
    parse_numbers,
    random_table,
    render_table,
)

_CHOICE_FORMAT = "one letter, e.g. B"


def _rng(template: str, seed: int) -> random.Random:
    return random.Random(f"{template}:{seed}")


def _letter_grade(seed_choices: tuple[str, ...], response: str, is_right: list[bool], model: str,
                  why_right: str, why_wrong: dict[int, str]) -> CalcGrade:
    pick = parse_choice(response, len(seed_choices))
    if pick is None:
        return CalcGrade(False, f"Answer with one letter ({', '.join(LETTERS[:len(seed_choices)])}). {why_right}", model)
    if is_right[pick]:
        return CalcGrade(True, f"Correct: {LETTERS[pick]}. {why_right}", model)
    return CalcGrade(False, f"Not {LETTERS[pick]}: {why_wrong.get(pick, '')} {why_right}".strip(), model)


# --- ZOPA --------------------------------------------------------------------------------------


def _zopa_case(seed: int) -> tuple[str, float, float, str, str]:
    rng = _rng("zopa", seed)
    role = rng.choice(("buyer", "seller"))
    thing = rng.choice(("a used delivery van", "a software licence", "a consulting project", "a small office lease"))
    base = rng.choice((20_000, 40_000, 60_000, 80_000))
    mine = float(base + rng.randrange(0, 11) * 1_000)
    theirs = float(base + rng.randrange(-6, 15) * 1_000)
    if rng.random() < 0.2:  # sometimes no zone at all
        theirs = mine + 3_000 if role == "buyer" else mine - 3_000
    return role, mine, theirs, thing, ("seller" if role == "buyer" else "buyer")


def zopa_drill(seed: int) -> CalculationDrill:
    role, mine, theirs, thing, other = _zopa_case(seed)
    limit = "the most you would pay" if role == "buyer" else "the least you would accept"
    their_limit = "the least they would accept" if role == "buyer" else "the most they would pay"
    prompt = (f"You are the {role} of {thing}. Your reservation point ({limit}) is {money(mine)}. "
              f"Good research says the {other}'s reservation point ({their_limit}) is {money(theirs)}. "
              "What is the ZOPA? Answer LOW-HIGH (e.g. 41000-45000) or 'none'.")
    from coach.analysis.zopa import zopa

    result = zopa(mine, theirs, None, role)  # type: ignore[arg-type]
    model = "none" if not result.exists else f"{result.low:,.0f}-{result.high:,.0f}"
    return _drill("zopa", seed, prompt,
                  "The ZOPA runs from the seller's reservation point up to the buyer's; if the seller's floor "
                  "is above the buyer's ceiling there is none on this number alone.", model,
                  "LOW-HIGH or none")


def grade_zopa(seed: int, response: str) -> CalcGrade:
    from coach.analysis.zopa import zopa

    role, mine, theirs, _thing, _other = _zopa_case(seed)
    result = zopa(mine, theirs, None, role)  # type: ignore[arg-type]
    text = response.strip().lower()
    numbers = [abs(n) for n in parse_numbers(text)]
    if not result.exists:
        model = "none"
        correct = not numbers and any(w in text for w in ("none", "no zopa", "no zone", "no overlap", "no deal"))
        why = (f"The buyer's ceiling is below the seller's floor (a gap of {money(result.gap or 0)}), "
               "so there is no ZOPA on this number alone: add issues or improve your BATNA.")
        return CalcGrade(correct, ("Correct. " if correct else "Not quite. ") + why, model)
    low, high = float(result.low or 0), float(result.high or 0)
    model = f"{low:,.0f}-{high:,.0f}"
    why = f"The zone runs from {money(low)} (the seller's floor) to {money(high)} (the buyer's ceiling)."
    if len(numbers) != 2:
        return CalcGrade(False, f"Give two numbers, LOW-HIGH. {why}", model)
    got = sorted(numbers)
    correct = abs(got[0] - low) < 0.5 and abs(got[1] - high) < 0.5
    return CalcGrade(correct, ("Correct. " if correct else f"You said {got[0]:,.0f}-{got[1]:,.0f}. ") + why, model)


# --- pick the trade that helps both ------------------------------------------------------------


def _move_text(table: Table, before: Package, after: Package) -> str:
    parts = [f"{issue.name} {issue.options[a]} -> {issue.options[b]}"
             for issue, a, b in zip(table.issues, before, after) if a != b]
    return "move " + " and ".join(parts)


def _trade_case(seed: int) -> tuple[str, Table, Package, list[Package], int]:
    from coach.analysis.scoring import score
    from coach.analysis.trades import find_trades

    rng = _rng("trade", seed)
    while True:
        context, table = random_table(rng)
        start = tuple(rng.randrange(3) for _ in table.issues)
        trades = find_trades(table, start, limit=5)
        if not trades:
            continue
        s = score(table, start)
        bad = []
        for changes in itertools.chain(
            ([(i, o)] for i in range(3) for o in range(3)),
            ([(i, o), (j, p)] for i, j in itertools.combinations(range(3), 2) for o in range(3) for p in range(3)),
        ):
            new = list(start)
            for i, o in changes:
                new[i] = o
            moved = tuple(new)
            t = score(table, moved)
            if moved != start and not (t[0] > s[0] and t[1] > s[1]) and moved not in bad:
                bad.append(moved)
        if len(bad) >= 3:
            break
    options = [trades[0].package] + rng.sample(bad, 3)
    rng.shuffle(options)
    return context, table, start, options, options.index(trades[0].package)


def trade_drill(seed: int) -> CalculationDrill:
    context, table, start, options, right = _trade_case(seed)
    choices = tuple(_move_text(table, start, p) for p in options)
    prompt = (f"{context} Points per option (you / them):\n{render_table(table)}\n"
              f"The current draft is: {describe_package(table, start)}. "
              "Which move makes BOTH sides strictly better off?")
    return _drill("trade", seed, prompt,
                  "A logroll gives each side the issue it values more; add up both sides' points before and "
                  "after the move and keep only moves where both totals rise.", LETTERS[right], _CHOICE_FORMAT,
                  choices)


def grade_trade(seed: int, response: str) -> CalcGrade:
    from coach.analysis.scoring import score

    _context, table, start, options, right = _trade_case(seed)
    s = score(table, start)
    scored = [score(table, p) for p in options]
    ok = [t[0] > s[0] and t[1] > s[1] for t in scored]
    why_wrong = {n: f"that move scores you {t[0] - s[0]:+g} and them {t[1] - s[1]:+g}."
                 for n, t in enumerate(scored)}
    best = scored[right]
    why = (f"{LETTERS[right]} gives you {best[0] - s[0]:+g} and them {best[1] - s[1]:+g}: "
           "each side gets more on the issue it values more.")
    return _letter_grade(tuple(LETTERS[:4]), response, ok, LETTERS[right], why, why_wrong)


# --- spot the dominated package ----------------------------------------------------------------


def _dominated_case(seed: int) -> tuple[str, Table, list[Package], int]:
    from coach.analysis.pareto import dominates, pareto_frontier
    from coach.analysis.scoring import score

    rng = _rng("dominated", seed)
    while True:
        context, table = random_table(rng)
        frontier = pareto_frontier(table)
        if len(frontier) < 3:
            continue
        good = [p.package for p in rng.sample(frontier, 3)]
        goods = [score(table, p) for p in good]
        everything = list(itertools.product(range(3), repeat=3))
        dominated = [p for p in everything
                     if p not in good and any(dominates(g, score(table, p)) for g in goods)]
        if dominated:
            break
    options = good + [rng.choice(dominated)]
    rng.shuffle(options)
    target = next(n for n, p in enumerate(options) if p not in good)
    return context, table, options, target


def dominated_drill(seed: int) -> CalculationDrill:
    context, table, options, target = _dominated_case(seed)
    choices = tuple(describe_package(table, p) for p in options)
    prompt = (f"{context} Points per option (you / them):\n{render_table(table)}\n"
              "Which of these packages is dominated: another listed package is at least as good for both "
              "sides and better for one?")
    return _drill("dominated", seed, prompt,
                  "Score every package for both sides; a package is dominated when another gives both sides "
                  "at least as much and one side more. Never settle on a dominated package.",
                  LETTERS[target], _CHOICE_FORMAT, choices)


def grade_dominated(seed: int, response: str) -> CalcGrade:
    from coach.analysis.pareto import dominates
    from coach.analysis.scoring import score

    _context, table, options, target = _dominated_case(seed)
    scored = [score(table, p) for p in options]
    ok = [any(dominates(other, mine) for other in scored) for mine in scored]
    by = next(n for n, other in enumerate(scored) if dominates(other, scored[target]))
    why = (f"{LETTERS[target]} scores you {scored[target][0]:g} / them {scored[target][1]:g}, while "
           f"{LETTERS[by]} scores {scored[by][0]:g} / {scored[by][1]:g}: better or equal for both.")
    why_wrong = {n: f"{LETTERS[n]} scores {t[0]:g} / {t[1]:g} and no listed package beats it for both."
                 for n, t in enumerate(scored)}
    return _letter_grade(tuple(LETTERS[:4]), response, ok, LETTERS[target], why, why_wrong)


# --- three equal-value MESOs -------------------------------------------------------------------


def _meso_case(seed: int) -> tuple[str, Table, float, float, list[Package]]:
    from coach.analysis.meso import build_mesos
    from coach.analysis.scoring import score

    rng = _rng("meso", seed)
    while True:
        context, table = random_table(rng)
        my_range = sum(max(i.points[0]) - min(i.points[0]) for i in table.issues)
        tolerance = float(max(5, round(my_range * 0.05 / 5) * 5))
        target = float(round(my_range * rng.choice((0.5, 0.6, 0.7)) / 5) * 5)
        mesos = build_mesos(table, 0, k=3, tolerance=tolerance, target=target)
        packages = [m.package for m in mesos]
        mine = [score(table, p)[0] for p in packages]
        if len(set(packages)) == 3 and all(abs(x - target) <= tolerance for x in mine):
            return context, table, target, tolerance, packages


def _format_package(package: Package) -> str:
    return "-".join(str(o + 1) for o in package)


def meso_drill(seed: int) -> CalculationDrill:
    context, table, target, tolerance, packages = _meso_case(seed)
    prompt = (f"{context} Your points and your ESTIMATE of theirs:\n{render_table(table)}\n"
              f"Build three different packages that are each worth {target:g} points to you (within "
              f"{tolerance:g}), as different as possible for them. Write each package as option numbers "
              "per issue in table order, packages separated by ';' (e.g. 1-3-2; 2-2-1; 3-1-2).")
    return _drill("meso", seed, prompt,
                  "Equal value to you means you are happy whichever they pick; making the packages differ on "
                  "what they get lets their choice reveal their priorities.",
                  "; ".join(_format_package(p) for p in packages), "three packages like 1-3-2; 2-2-1; 3-1-2")


def parse_packages(text: str, table: Table) -> list[Package] | None:
    """``1-3-2; 2-2-1`` (1-based option numbers) into packages; ``None`` if malformed."""
    packages = []
    for chunk in [c for c in text.replace("\n", ";").split(";") if c.strip()]:
        digits = [int(d) for d in chunk.replace(",", " ").replace("-", " ").replace("/", " ").split() if d.isdigit()]
        if len(digits) != len(table.issues):
            return None
        if any(not 1 <= d <= len(issue.options) for d, issue in zip(digits, table.issues)):
            return None
        packages.append(tuple(d - 1 for d in digits))
    return packages


def grade_meso(seed: int, response: str) -> CalcGrade:
    from coach.analysis.scoring import score

    _context, table, target, tolerance, packages = _meso_case(seed)
    model = "; ".join(_format_package(p) for p in packages)
    given = parse_packages(response, table)
    how = f"Write three packages as option numbers, e.g. {model}."
    if given is None or len(given) != 3:
        return CalcGrade(False, f"Could not read three packages. {how}", model)
    problems = []
    if len(set(given)) != 3:
        problems.append("the three packages must be different")
    scored = [score(table, p) for p in given]
    for p, s in zip(given, scored):
        if abs(s[0] - target) > tolerance:
            problems.append(f"{_format_package(p)} is worth {s[0]:g} to you, not {target:g} +- {tolerance:g}")
    if len({s[1] for s in scored}) == 1 and len(set(given)) == 3:
        problems.append("all three are worth the same to them, so their choice reveals nothing")
    if problems:
        return CalcGrade(False, "; ".join(problems).capitalize() + ".", model)
    theirs = ", ".join(f"{s[1]:g}" for s in scored)
    return CalcGrade(True, f"Correct: all three are worth {target:g} +- {tolerance:g} to you; to them about {theirs}. "
                     "Their pick will tell you what they value.", model)


# --- price a contingent clause -----------------------------------------------------------------


def _contingent_case(seed: int) -> tuple[str, float, float, float, float, float]:
    rng = _rng("contingent", seed)
    event = rng.choice(("first-year sales exceed 10,000 units", "the project ships on time",
                        "the new hire hits the revenue target", "the pilot converts to a full rollout"))
    fixed = float(rng.choice((100, 120, 150, 200)) * 1_000)
    p_you = rng.choice((0.6, 0.7, 0.8, 0.9))
    p_them = rng.choice((0.2, 0.3, 0.4, 0.5))
    if_true = fixed + rng.choice((20, 40, 50, 60)) * 1_000
    if_false = fixed - rng.choice((10, 20, 30, 40)) * 1_000
    return event, fixed, p_you, p_them, if_true, if_false


def _contingent_result(seed: int):  # type: ignore[no-untyped-def]
    from coach.analysis.contingent import binary_contingent

    event, fixed, p_you, p_them, if_true, if_false = _contingent_case(seed)
    return binary_contingent(event, p_you, p_them, if_true, if_false, parties=("you", "them"), baseline=fixed)


def contingent_drill(seed: int) -> CalculationDrill:
    event, fixed, p_you, p_them, if_true, if_false = _contingent_case(seed)
    result = _contingent_result(seed)
    prompt = (f"They will pay you a fixed {money(fixed)}. You propose instead: {money(if_true)} if {event}, "
              f"{money(if_false)} if not. You believe the chance is {p_you:.0%}; they believe {p_them:.0%}. "
              "Relative to the fixed price, what is the clause worth to you and to them, each under their "
              "own belief? Answer two numbers: YOU, THEM (e.g. 5000, 3000; a cost is negative).")
    ev = result.expected_values
    return _drill("contingent", seed, prompt,
                  "Each side values the bet with its own probabilities: yours = p_you x high + (1 - p_you) x low "
                  "- fixed; theirs = fixed - (p_them x high + (1 - p_them) x low). Differing beliefs let both "
                  "expect to gain.", f"{ev[0]:,.0f}, {ev[1]:,.0f}", "YOU, THEM")


def grade_contingent(seed: int, response: str) -> CalcGrade:
    _event, fixed, p_you, p_them, if_true, if_false = _contingent_case(seed)
    result = _contingent_result(seed)
    ev = result.expected_values
    model = f"{ev[0]:,.0f}, {ev[1]:,.0f}"
    why = (f"You: {p_you:g} x {if_true:,.0f} + {1 - p_you:g} x {if_false:,.0f} - {fixed:,.0f} = {ev[0]:,.0f}. "
           f"Them: {fixed:,.0f} - ({p_them:g} x {if_true:,.0f} + {1 - p_them:g} x {if_false:,.0f}) = {ev[1]:,.0f}. "
           + ("Both expect to gain, so the clause creates value." if result.creates_value
              else "Not both expect to gain, so reshape the amounts before proposing it."))
    numbers = parse_numbers(response)
    if len(numbers) != 2:
        return CalcGrade(False, f"Give two numbers, YOU, THEM. {why}", model)
    correct = abs(numbers[0] - ev[0]) < 0.5 and abs(numbers[1] - ev[1]) < 0.5
    return CalcGrade(correct, ("Correct. " if correct else f"You said {numbers[0]:,.0f}, {numbers[1]:,.0f}. ") + why,
                     model)
