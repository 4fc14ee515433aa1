"""Words for the counterparty's decisions: varied offline templates, or an LLM in persona.

Both paths see only the ``Decision`` (action, package as option texts, what may be revealed) and
the public persona, never the hidden table. The LLM gets the template line as the content to say and
rephrases it; its answer is dropped for the template if it loses an option text of the offer or
contains a number that is secret (a point value or a BATNA that appears in no public text).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from coach.domain import Package, Table
from coach.roleplay.counterparty import Decision, Reveal
from coach.roleplay.offers import describe_package

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from coach.scenario import PartySpec, Scenario

_NUM = re.compile(r"\d+(?:[.,]\d+)*")

OPENING = (
    "Hi, I'm {name} ({role}). Thanks for making the time. Where would you like to start?",
    "Good to meet you, I'm {name}, {role}. What did you have in mind?",
    "Hello, {name} here ({role}). I'm keen to find something that works. Shall we begin?",
)
COUNTER = (
    "Here's what would work for us: {package}.",
    "Let me come back with this: {package}.",
    "We could do this instead: {package}.",
    "How about this package: {package}.",
)
ACCEPT = ("That works for us. We have a deal: {package}.", "Agreed. Let's go with {package}.",
          "Good, we can accept that: {package}.")
CONFIRM = ("Great, we have a deal: {package}.", "Excellent. Then it's agreed: {package}. Thanks for working through it with me.",
           "Good. Deal, then: {package}.")
REPEAT = ("We're still where we were: {package}.", "I can't move further yet. It's still {package}.",
          "That doesn't change our position: {package}.")
SINGLE_COUNTER = ("I could do {package}.", "The best I can do right now is {package}.", "Let's say {package}.",
                  "I'd need {package}.")
ACKNOWLEDGE = ("Thanks, that's helpful to know.", "Good to know what matters to you.",
               "Thanks for being open about that; it helps.")
CLARIFY = ("Make that concrete for me: what exactly would you want on {issues}?",
           "Possibly, but put some specifics on it. Which options on {issues} do you have in mind?")
FIRM = ("It's where we are today. If you can move on something, so can we.",
        "For now, yes. Show me some movement and we'll see what we can do.",
        "It's not carved in stone, but I need a reason to move.")
ALTERNATIVE = ("That's your call, of course. What would it take to get this done with us?",
               "Understood, and you should weigh it. What would make our deal the better one for you?")
IMPROVE = ("Yes, we prefer that version. Let's update the deal: {package}.",
           "That alternative is better for us too, so let's switch: {package}.")
KEEP = ("Thanks, but we'd rather keep what we agreed.", "We're happy with the deal as it stands.")
WALK = ("I don't think we can make this work. We'll go with our other option.",
        "We've gone back and forth enough; we're going to walk away from this one.")
CLOSED = ("Thanks, I think we're done here.", "Understood. Thanks for your time.")
WARMER = ("Thanks for moving on that. ", "I appreciate the movement. ", "That helps. ")
COOLER = ("We seem to be going in circles. ", "That's not much of a move. ", "We're not getting closer like this. ")
VAGUE = ("I hear you, but we have constraints too.", "That's going to be difficult for us.",
         "I understand your position; ours is different.", "We'd need more than that to move.")
DEFLECT = ("I'm not going to share our internal numbers or instructions. Let's talk about what would work for both of us.",
           "Nice try, but our internal figures stay internal. What matters most to you here?",
           "I can't go into our internal limits. Tell me what you need and why, and we'll see.")
PROBE = ("I'm not going to negotiate against myself. What would you offer?",
         "You'll understand I keep that to myself. What did you have in mind?",
         "If I told you that, we'd both know where this ends. Make me an offer.")
STUCK = ("Moving only on {issues} isn't getting us closer. What else matters to you here?",
         "We keep going back and forth on {issues}. Is there anything else that would make this work for you?")
NUDGE = ("What would you propose?", "Where would you like to go from here?", "What are you thinking?")
QUESTIONS = {
    "budget": "What's your budget for this, honestly?",
    "alternative": "What will you do if we can't agree today?",
    "final": "Is that really your final position?",
    "why_issue": "Why does {issue} matter so much to you?",
    "deadline": "How soon do you need to close this?",
}


def _names(table: Table, ids: Iterable[str]) -> list[str]:
    by_id = {i.id: i.name for i in table.issues}
    return [by_id.get(x, x) for x in ids]


def reveal_text(table: Table, reveal: Reveal) -> str:
    """One sentence for one reveal (issue names and option texts only)."""
    names = _names(table, reveal.issues)
    if reveal.kind == "ranking":
        if len(names) == 1:
            return f"There's really only {names[0]} for us."
        return (f"What matters most to us is {names[0]}, then {', '.join(names[1:-1]) or names[-1]}"
                + (f"; {names[-1]} matters least." if len(names) > 2 else "; that's the order."))
    if reveal.kind == "top":
        return f"Honestly, {names[0]} is our biggest concern."
    if reveal.kind == "least":
        return f"If I had to flex on one thing, it would be {names[0]}."
    if reveal.kind == "preference":
        level = f" That's a {reveal.levels[0].lower()} priority for us." if reveal.levels else ""
        return f"On {names[0]}, we'd ideally want {reveal.option}.{level}"
    return f"To be candid: {reveal.text}"


def template_text(table: Table, decision: Decision, party: PartySpec, turn: int, seed: int) -> str:
    """The offline line for a decision; the template variant is fixed by (seed, turn)."""
    rng = random.Random(f"render:{seed}:{turn}")
    pick = lambda options: options[rng.randrange(len(options))]
    parts: list[str] = []
    if decision.deflect:
        parts.append(pick(PROBE if decision.probe else DEFLECT))
    if decision.acknowledge:
        parts.append(pick(ACKNOWLEDGE))
    if decision.on_final and decision.action == "answer":
        parts.append(pick(FIRM))
    if decision.on_alternative and decision.action == "answer":
        parts.append(pick(ALTERNATIVE))
    if decision.clarify and decision.action == "answer":
        named = _names(table, decision.clarify_issues) if decision.clarify_issues else [i.name for i in table.issues]
        parts.append(pick(CLARIFY).format(issues=_listing(named)))
    parts.extend(reveal_text(table, r) for r in decision.reveals)
    if decision.vague and decision.action == "answer" and not (decision.deflect or decision.on_alternative):
        parts.append(pick(VAGUE))
    parts.append(_action_text(table, decision, pick))
    if decision.stuck_on and not decision.hard_question:
        parts.append(pick(STUCK).format(issues=_listing(_names(table, decision.stuck_on))))
    if decision.hard_question:
        issue = _names(table, [decision.question_issue])[0] if decision.question_issue else "that"
        parts.append(QUESTIONS[decision.hard_question].format(issue=issue))
    return " ".join(p for p in parts if p).strip()


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _package_words(table: Table, package: Package) -> str:
    """A package in words: the bare option for a one-issue table ("$7,800"), else ``Issue: option; ...``."""
    if len(table.issues) == 1:
        return table.issues[0].options[package[0]]
    return describe_package(table, package)


def _counter_text(decision: Decision, package: str, single: bool, pick) -> str:  # type: ignore[no-untyped-def]
    if decision.repeated:
        lead = "I appreciate the movement, but " if decision.reciprocity == "warmer" else ""
        line = pick(REPEAT).format(package=package)
        return lead + (line[0].lower() + line[1:] if lead else line)
    mood = {"warmer": pick(WARMER), "cooler": pick(COOLER)}.get(decision.reciprocity, "")
    rest = "To make it a whole deal, here is how the rest would look. " if decision.completed_partial and not single else ""
    return mood + rest + pick(SINGLE_COUNTER if single else COUNTER).format(package=package)


def _action_text(table: Table, decision: Decision, pick) -> str:  # type: ignore[no-untyped-def]
    package = _package_words(table, decision.package) if decision.package is not None else ""
    prefix = ""
    if decision.meso_choice is not None:
        prefix = f"Of your options, number {decision.meso_choice + 1} is closest to what we need. "
    if decision.action == "counter":
        return prefix + _counter_text(decision, package, len(table.issues) == 1, pick)
    if decision.action == "accept":
        return prefix + pick(CONFIRM if decision.confirmed else ACCEPT).format(package=package)
    if decision.action == "improve":
        return prefix + pick(IMPROVE).format(package=package)
    if decision.action == "keep":
        return pick(KEEP)
    if decision.action == "walk_away":
        return pick(WALK)
    if decision.action == "closed":
        return pick(CLOSED)
    quiet = (decision.reveals or decision.vague or decision.deflect or decision.acknowledge or decision.clarify
             or decision.on_final or decision.on_alternative)
    return "" if quiet else pick(NUDGE)


def opening_text(party: PartySpec, seed: int) -> str:
    """The counterparty's first line."""
    rng = random.Random(f"open:{seed}")
    return OPENING[rng.randrange(len(OPENING))].format(name=party.name, role=party.role or "the other side")


def secret_numbers(scenario: Scenario) -> set[str]:
    """Number strings that would leak the hidden table: points and BATNAs absent from public text."""
    secret: set[float] = set()
    for party in scenario.parties:
        secret.add(float(party.batna))
    for issue in scenario.issues:
        for row in issue.points.values():
            secret.update(float(x) for x in row)
    public = public_numbers(scenario)
    return {_fmt(x) for x in secret if _fmt(x) not in public}


def public_numbers(scenario: Scenario) -> set[str]:
    """Numbers that appear in public texts (title, issue names, options, interests)."""
    texts = [scenario.title, scenario.description] + [p.name for p in scenario.parties]
    for p in scenario.parties:
        texts.extend(p.interests)
    for i in scenario.issues:
        texts.append(i.name)
        texts.extend(i.options)
    return {_fmt(float(m.replace(",", ""))) for t in texts for m in _NUM.findall(t)}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def numbers_in(text: str) -> set[str]:
    """Number tokens in a text, normalized the same way as ``secret_numbers``."""
    out = set()
    for m in _NUM.findall(text):
        try:
            out.add(_fmt(float(m.replace(",", ""))))
        except ValueError:
            continue
    return out


def leaks(text: str, secrets: set[str]) -> bool:
    """True when the text contains a secret number."""
    return bool(numbers_in(text) & secrets)


def llm_text(model: BaseChatModel, scenario: Scenario, party: PartySpec, draft: str,
             package: Package | None, secrets: set[str]) -> str:
    """The draft line rephrased by the model in persona; the draft itself on any failure or leak."""
    from coach.agent.prompts import render_prompt

    table = scenario.table()
    prompt = render_prompt(
        "roleplay_counterparty", name=party.name, role=party.role or "the other side",
        persona=party.persona or "Professional and friendly.", title=scenario.title, draft=draft,
        must_keep=describe_package(table, package) if package is not None else "(nothing)",
    )
    try:
        reply = model.invoke(prompt)
        text = str(getattr(reply, "content", "") or "").strip()
    except Exception:  # noqa: BLE001 - the template line is always a valid answer
        return draft
    if not text or leaks(text, secrets):
        return draft
    if package is not None:
        needed = [i.options[o].casefold() for i, o in zip(table.issues, package)]
        if not all(opt in text.casefold() for opt in needed):
            return draft
    return text
