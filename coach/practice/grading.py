"""Grading: exact for concept and calculation drills, a rubric for rephrasing drills.

The rubric has a deterministic offline form (word-level checks: open question, asks
why/what/how, probes interests, no number given away, no ultimatum...) and an LLM form
(``prompts/practice_rubric.md``, JSON validated with pydantic). Any failure of the LLM path
falls back to the offline rubric, so a grade always comes back with feedback and a model answer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from coach.practice.drills import (
    CalculationDrill,
    ConceptDrill,
    Drill,
    DrillError,
    MicroRoleplayDrill,
    RephraseDrill,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

MAX_RESPONSE_CHARS = 4_000
PASS_SCORE = 0.8  # a rubric score counted as a correct answer (at most one of five checks missed)
GradedBy = Literal["exact", "engine", "rubric-offline", "rubric-llm", "debrief"]


@dataclass(frozen=True)
class Grade:
    """The outcome of one answer. ``correct`` for exact drills, ``score`` (0..1) for rubric ones."""

    drill_id: str
    correct: bool | None
    score: float | None
    feedback: str
    model_answer: str
    citation: str
    graded_by: GradedBy
    criteria: dict[str, bool] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """0..1 for scheduling and mastery."""
        if self.score is not None:
            return self.score
        return 1.0 if self.correct else 0.0

    @property
    def passed(self) -> bool:
        return bool(self.correct) if self.score is None else self.score >= PASS_SCORE

    def to_dict(self) -> dict[str, Any]:
        """The CLI contract: ``correct`` or ``score``, then feedback, model answer, citation."""
        data: dict[str, Any] = {"drill_id": self.drill_id}
        if self.score is None:
            data["correct"] = bool(self.correct)
        else:
            data["score"] = round(self.score, 3)
        data.update(feedback=self.feedback, model_answer=self.model_answer, citation=self.citation,
                    graded_by=self.graded_by)
        if self.criteria:
            data["criteria"] = dict(self.criteria)
        return data


def clean_response(text: object) -> str:
    """The answer as graded; ``DrillError`` when it is empty or too long."""
    if not isinstance(text, str) or not text.strip():
        raise DrillError("the answer is empty; pass --response with your answer")
    cleaned = unicodedata.normalize("NFKC", text).replace("\x00", "").strip()
    if len(cleaned) > MAX_RESPONSE_CHARS:
        raise DrillError(
            f"the answer is {len(cleaned):,} characters; keep it under {MAX_RESPONSE_CHARS:,} (a sentence or two)"
        )
    return cleaned


# --- concept drills --------------------------------------------------------------------------


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).casefold()
    text = re.sub(r"[^\w\s%$-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _short_answer_matches(normal: str, words: list[str], accepted: str) -> bool:
    """Exact match, or a multi-word accepted answer inside a short reply ('it is the ...')."""
    if normal == accepted:
        return True
    size = len(accepted.split())
    return size >= 2 and len(words) <= size + 5 and bool(re.search(rf"(?<![\w-]){re.escape(accepted)}(?![\w-])", normal))


def grade_concept(drill: ConceptDrill, response: str) -> Grade:
    """Multiple choice by letter, number or exact choice text; short answers by normalized match."""
    if drill.choices is not None:
        from coach.practice.generators import parse_choice

        pick = parse_choice(response, len(drill.choices))
        if pick is None:
            normal = _normal(response)
            pick = next((n for n, c in enumerate(drill.choices) if _normal(c) == normal), None)
        correct = pick == drill.answer
        said = "" if pick is None else f"You chose {chr(65 + pick)}. "
    else:
        normal = _normal(response)
        words = normal.split()
        correct = any(_short_answer_matches(normal, words, _normal(a)) for a in drill.accepted)
        said = ""
    lead = "Correct. " if correct else f"{said}Not quite: the answer is {drill.model_answer}. "
    return Grade(drill.id, correct, None, lead + drill.explanation, drill.model_answer, drill.citation, "exact")


def grade_calculation_drill(drill: CalculationDrill, response: str) -> Grade:
    from coach.practice.generators import grade_calculation

    result = grade_calculation(drill, response)
    return Grade(drill.id, result.correct, None, result.feedback, result.model_answer, drill.citation, "engine")


# --- the offline rubric ----------------------------------------------------------------------

_OPEN_START = re.compile(
    r"^(what|what's|whats|how|why|which|where|when|who|tell me|help me understand|walk me through|"
    r"talk me through|describe|say more|i'm curious|im curious|i am curious|i'd love to understand|"
    r"(could|can|would|will) you (tell|share|explain|walk|help|describe|say more|talk))\b"
)
_WH = re.compile(r"\b(why|what|what's|whats|how)\b")
_INTEREST = re.compile(
    r"\b(important|importan\w*|matter\w*|priorit\w*|needs?|needed|concerns?|concerned|goals?|interests?|"
    r"worr\w*|care|cares|value|values|drives?|driving|achieve|trying to|behind|reasons?|constraints?|"
    r"pressures?|flexib\w*|prefer\w*|success\w*|ideal|looking for|hoping|why|objectives?|risks?|"
    r"timeline|problem|solve|win|costs?|margin|affect\w*|looks? like|"
    r"work(s|ing)? (better |best |well )?for (you|your)|(make|makes) (it|this|that) (even )?better)\b"
)
_NUMBER = re.compile(r"\d|%|\b(hundred|thousand|million|billion|grand|percent|k)\b")
_ULTIMATUM = re.compile(
    r"(take it or leave it|final offer|best and final|last offer|non[- ]?negotiable|not negotiable|"
    r"or else|or we walk|or i walk|we'll walk|i'll walk|walk away|or we're done|or we are done|"
    r"end of discussion|no other option|this is it|you have to accept|you must|must accept|"
    r"final answer|that's final|that is final|nothing more to discuss)"
)
_BOTTOM_LINE = re.compile(
    r"(bottom line|lowest i can|lowest we can|highest i can|highest we can|walk[- ]?away|minimum i|"
    r"minimum we|maximum i|maximum we|the most i|the most we|the least i|the least we|my limit|our limit|"
    r"reservation|can go down to|can go up to|my batna|our batna|other offer (is|of))"
)
_CONDITIONAL = re.compile(
    r"\b(if|in exchange|in return|provided|as long as|would you|could you|how about|what if|we could|"
    r"i could|trade|package|combined with|together with)\b"
)
_INVITE = re.compile(r"\?|\b(would that work|does that work|what do you think|which (one|of)|how does that)\b")
_REDIRECT = re.compile(
    r"\?|\b(value|package|interests?|priorit\w*|needs?|what matters|whole deal|the rest of the deal|"
    r"other terms|fair|market|together|options?)\b"
)

CRITERIA_TEXT: dict[str, tuple[str, str]] = {
    # id: (what it checks, how to fix it)
    "open-question": ("an open question, not a yes/no one",
                      "Start with What, How, Why or 'Help me understand...' so they have to explain."),
    "asks-why-what-how": ("asks why, what or how", "Use why, what or how to invite an explanation."),
    "probes-interests": ("probes their priorities or interests",
                         "Ask what matters to them, what they need, or what is behind the position."),
    "no-number": ("gives no number away", "Leave numbers out: a number here anchors or reveals your limit."),
    "no-ultimatum": ("no ultimatum or threat", "Drop the ultimatum; it closes the conversation instead of opening it."),
    "links-issues": ("links two or more issues in one package",
                     "Put at least two issues in the same offer so each side can give where it cares less."),
    "conditional": ("offers a conditional trade (if... then / in exchange)",
                    "Phrase it as a trade: 'If you can ..., we can ...'."),
    "invites-response": ("invites their reaction", "End by asking how it works for them or which option they prefer."),
    "no-bottom-line": ("keeps your bottom line private",
                       "Don't say your walk-away or lowest figure; talk about value and their needs instead."),
    "redirects": ("redirects to value, interests or the whole package",
                  "Move the talk to what matters to them or to the full package, e.g. ask a question."),
}
TARGET_CRITERIA: dict[str, tuple[str, ...]] = {
    "interest-question": ("open-question", "asks-why-what-how", "probes-interests", "no-number", "no-ultimatum"),
    "package-offer": ("links-issues", "conditional", "invites-response", "no-ultimatum"),
    "safe-answer": ("no-number", "no-bottom-line", "redirects", "no-ultimatum"),
}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.?!])\s+|\n+", text) if s.strip()]


def _is_open(text: str) -> bool:
    """True when a sentence, or a clause of it after a comma or dash, starts like an open question."""
    for sentence in _sentences(text.replace("’", "'")):
        for clause in re.split(r"[,;:]|\s-\s|—", sentence):
            cleaned = re.sub(r"^[^a-z]+", "", clause.casefold().strip())
            cleaned = re.sub(r"^(so|and|but|ok|okay|thanks|great|sure|well|i see|understood|got it)\b\s*", "",
                             cleaned)
            if _OPEN_START.match(cleaned):
                return True
    return False


def check_criterion(criterion: str, text: str, drill: RephraseDrill) -> bool:
    """One deterministic rubric check on the (lower-cased) answer."""
    low = text.casefold().replace("’", "'")
    if criterion == "open-question":
        return _is_open(text)
    if criterion == "asks-why-what-how":
        return bool(_WH.search(low))
    if criterion == "probes-interests":
        return bool(_INTEREST.search(low))
    if criterion == "no-number":
        return not _NUMBER.search(low)
    if criterion == "no-ultimatum":
        return not _ULTIMATUM.search(low)
    if criterion == "links-issues":
        return sum(1 for word in drill.issues if word.casefold() in low) >= 2
    if criterion == "conditional":
        return bool(_CONDITIONAL.search(low))
    if criterion == "invites-response":
        return bool(_INVITE.search(low))
    if criterion == "no-bottom-line":
        return not _BOTTOM_LINE.search(low)
    if criterion == "redirects":
        return bool(_REDIRECT.search(low))
    raise ValueError(f"unknown rubric criterion '{criterion}'")


def offline_rubric(drill: RephraseDrill, response: str, note: str = "") -> Grade:
    """Deterministic rubric: score = share of the checks passed; feedback names each miss and its fix."""
    criteria = {c: check_criterion(c, response, drill) for c in TARGET_CRITERIA[drill.target]}
    passed = sum(criteria.values())
    score = passed / len(criteria)
    misses = [CRITERIA_TEXT[c][1] for c, ok in criteria.items() if not ok]
    if not misses:
        feedback = "Strong: " + "; ".join(CRITERIA_TEXT[c][0] for c in criteria) + ". " + drill.explanation
    else:
        feedback = f"{passed} of {len(criteria)} checks passed. " + " ".join(misses) + " " + drill.explanation
    if note:
        feedback = f"{note} {feedback}"
    return Grade(drill.id, None, round(score, 3), feedback.strip(), drill.model_answer, drill.citation,
                 "rubric-offline", criteria)


# --- the LLM rubric --------------------------------------------------------------------------


class RubricVerdict(BaseModel):
    """What the model must return (validated; anything else falls back to the offline rubric)."""

    model_config = ConfigDict(extra="forbid")

    criteria: dict[str, bool]
    score: float = Field(ge=0.0, le=1.0)
    justification: str = Field(min_length=1, max_length=1200)
    feedback: str = Field(min_length=1, max_length=1200)


def _json_object(text: str) -> str:
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the reply")
    return text[start : end + 1]


def llm_rubric(drill: RephraseDrill, response: str, model: BaseChatModel) -> Grade:
    """Ask the model to score against the rubric; on any failure use the offline rubric."""
    try:
        verdict = _ask_model(drill, response, model)
    except Exception as err:  # noqa: BLE001 - any model/parse failure means: grade offline
        reason = "invalid reply" if isinstance(err, (ValidationError, ValueError, json.JSONDecodeError)) else "model unavailable"
        return offline_rubric(drill, response, note=f"(Graded offline: {reason}.)")
    feedback = f"{verdict.feedback.strip()} Why: {verdict.justification.strip()}"
    return Grade(drill.id, None, round(verdict.score, 3), feedback, drill.model_answer, drill.citation,
                 "rubric-llm", verdict.criteria)


def _ask_model(drill: RephraseDrill, response: str, model: BaseChatModel) -> RubricVerdict:
    from langchain_core.messages import HumanMessage, SystemMessage

    from coach.agent.prompts import render_prompt

    expected = TARGET_CRITERIA[drill.target]
    rubric = "\n".join(f"- {c}: {CRITERIA_TEXT[c][0]}" for c in expected)
    prompt = render_prompt(
        "practice_rubric", task=drill.prompt, target=drill.target.replace("-", " "), rubric=rubric,
        criteria_ids=", ".join(expected), model_answer=drill.model_answer, answer=response,
    )
    reply = model.invoke([SystemMessage(content="You grade negotiation practice answers. Reply with JSON only."),
                          HumanMessage(content=prompt)])
    content = reply.content if isinstance(reply.content, str) else json.dumps(reply.content)
    verdict = RubricVerdict.model_validate_json(_json_object(content))
    if set(verdict.criteria) != set(expected):
        raise ValueError(f"criteria keys {sorted(verdict.criteria)} != {sorted(expected)}")
    return verdict


# --- dispatch ----------------------------------------------------------------------------------


def grade(drill: Drill, response: str, model: BaseChatModel | None = None) -> Grade:
    """Grade one answer. ``model`` None = offline; micro-roleplays are graded by the role-play adapter."""
    text = clean_response(response)
    if isinstance(drill, ConceptDrill):
        return grade_concept(drill, text)
    if isinstance(drill, CalculationDrill):
        return grade_calculation_drill(drill, text)
    if isinstance(drill, RephraseDrill):
        return offline_rubric(drill, text) if model is None else llm_rubric(drill, text, model)
    if isinstance(drill, MicroRoleplayDrill):
        from coach.practice.microroleplay import grade_micro_roleplay

        return grade_micro_roleplay(drill, text, model)
    raise DrillError(f"drill '{getattr(drill, 'id', '?')}' has an unknown kind")
