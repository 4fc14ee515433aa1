"""Engine results as short Markdown, shared by the offline coach, the prep sheet and the CLI.

Only numbers present in a tool result are printed (formatted, never recomputed), so every
number a user reads traces back to the engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any


def money(value: float | None, currency: str | None = None) -> str:
    """``120000, "USD"`` -> ``"120,000 USD"``."""
    if value is None:
        return "?"
    text = f"{value:,.0f}" if abs(value - round(value)) < 1e-9 else f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def pts(value: float) -> str:
    """Approximate points with one decimal."""
    return f"{value:.1f}"


def package_text(package: dict[str, str]) -> str:
    """``{"price": "high", "term": "3y"}`` -> ``"price: high, term: 3y"``."""
    return ", ".join(f"{issue}: {option}" for issue, option in package.items())


def _zopa(r: dict[str, Any], cur: str | None) -> str:
    cur = r.get("currency") or cur
    if not r["exists"]:
        return f"**ZOPA:** none on price alone — a gap of {money(r['gap'], cur)}. {r['advice']}"
    chance = "" if r["probability"] >= 1 else f" It exists with probability {r['probability']:.0%} under your estimate."
    return (f"**ZOPA:** {money(r['low'], cur)} to {money(r['high'], cur)} (width {money(r['width'], cur)}).{chance} "
            f"Suggested first offer: {money(r['first_offer'], cur)} — {r['rationale']}")


def _pareto(r: dict[str, Any], cur: str | None) -> str:
    best = r["max_joint"]
    kinds = ", ".join(f"{k} {v}" for k, v in r["issue_kinds"].items())
    return (f"**Pareto frontier:** {r['frontier_size']} efficient packages. Best for both together: "
            f"{package_text(best['package'])} (you {pts(best['scores']['me'])}, them {pts(best['scores']['them'])} "
            f"approximate points). Issue kinds: {kinds}.")


def _trades(r: dict[str, Any], cur: str | None) -> str:
    if not r["trades"]:
        return f"**Trades:** none improves both sides from {package_text(r['from'])}; it may already be efficient."
    lines = [f"**Trades** from {package_text(r['from'])}:"]
    for n, t in enumerate(r["trades"][:3], start=1):
        moves = " and ".join(f"{c['issue']} {c['from']} → {c['to']}" for c in t["changes"])
        lines.append(f"{n}. {moves}: you +{pts(t['gains']['me'])}, them +{pts(t['gains']['them'])} points")
    return "\n".join(lines)


def _mesos(r: dict[str, Any], cur: str | None) -> str:
    lines = ["**Three MESOs** (equal value to you, different for them):" if len(r["mesos"]) == 3 else
             f"**{len(r['mesos'])} MESOs** (equal value to you, different for them):"]
    for label, m in zip("ABCDE", r["mesos"]):
        lines.append(f"- {label}: {package_text(m['package'])} (you {pts(m['my_score'])}, "
                     f"them ~{pts(m['their_score'])} points)")
    return "\n".join(lines)


def _contingent(r: dict[str, Any], cur: str | None) -> str:
    clause = r["clause"]
    cur = clause.get("currency") or cur
    ev = r["expected_values"]
    t, f = clause["pay_if_true"], clause["pay_if_false"]
    def leg(x: float) -> str:
        return f"they pay you {money(x, cur)}" if x >= 0 else f"you pay them {money(-x, cur)}"
    verdict = "creates value for both" if r["creates_value"] else "does not create value for both"
    flags = (" Watch: " + "; ".join(r["flags"]) + ".") if r["flags"] else ""
    stake = " (illustrative stake)" if clause.get("illustrative") else ""
    return (f"**Contingent clause** on '{clause['outcome']}'{stake}: if it happens {leg(t)}; if not {leg(f)}. "
            f"Expected value under each side's own belief: you {money(ev['me'], cur)}, them {money(ev['them'], cur)} "
            f"— it {verdict}.{flags}")


def _improve(r: dict[str, Any], cur: str | None) -> str:
    status = "Pareto-optimal" if r["pareto_optimal"] else "not Pareto-optimal"
    share = "" if r["share_of_max"] is None else f", {r['share_of_max']:.0%} of the best joint gain"
    text = f"**Deal check:** {status}; value left on the table {pts(r['value_left'])} points{share}."
    if r["better_for_both"]:
        best = r["better_for_both"][0]
        text += (f" Better for both: {package_text(best['package'])} (you {pts(best['scores']['me'])}, "
                 f"them {pts(best['scores']['them'])}).")
    return text


_RENDERERS: dict[str, Callable[[dict[str, Any], str | None], str]] = {
    "zopa": _zopa, "pareto": _pareto, "find_trades": _trades, "trades": _trades, "build_mesos": _mesos,
    "mesos": _mesos, "contingent_contract": _contingent, "contingent": _contingent, "improve_deal": _improve,
}


def describe_result(name: str, result: Any, currency: str | None = None, label: bool = True) -> str:
    """Markdown for one tool's result ('' for tools with nothing to show); ``label=False`` drops
    the leading bold label (the prep sheet has its own headings)."""
    render = _RENDERERS.get(name)
    if render is None or not isinstance(result, dict):
        return ""
    text = render(result, currency)
    if not label:
        text = re.sub(r"^\*\*[^*]+\*\*\s*(?:[:(][^:\n]*?:\s*|)", "", text, count=1)
        text = text[:1].upper() + text[1:]
    return text
