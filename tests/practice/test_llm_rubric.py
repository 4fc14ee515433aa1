"""The LLM rubric path against the loopback OpenAI-compatible server, and its fallbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from coach.practice.drills import DrillBank
from coach.practice.grading import grade
from tests.llm_server import ScriptedLLMServer, http_error, running_server, settings_for, text


@pytest.fixture
def server() -> Iterator[ScriptedLLMServer]:
    yield from running_server()


def _model(server: ScriptedLLMServer):  # type: ignore[no-untyped-def]
    from coach.llm.backends import resolve_backend

    return resolve_backend(settings_for(server), max_retries=0).model


CRITERIA = {"open-question": True, "asks-why-what-how": True, "probes-interests": True,
            "no-number": True, "no-ultimatum": False}


def test_llm_verdict_is_used(bank: DrillBank, server: ScriptedLLMServer) -> None:
    verdict = {"criteria": CRITERIA, "score": 0.7, "justification": "Open and curious, but ends with a threat.",
               "feedback": "Keep the question, drop the threat."}
    server.enqueue(text("```json\n" + json.dumps(verdict) + "\n```"))
    drill = bank.get("probe-rephrase-price-final")
    result = grade(drill, "What is behind the price? Otherwise we walk away.", _model(server))
    assert result.graded_by == "rubric-llm"
    assert result.score == 0.7 and result.criteria == CRITERIA
    assert "drop the threat" in result.feedback and "ends with a threat" in result.feedback
    assert result.model_answer == drill.model_answer  # type: ignore[union-attr]
    prompt = server.messages(0)[-1]["content"]
    assert "What is behind the price? Otherwise we walk away." in prompt
    assert "no-ultimatum" in prompt and drill.prompt in prompt


@pytest.mark.parametrize("reply", [
    text("I think it is pretty good, 8/10."),  # not JSON
    text(json.dumps({"criteria": CRITERIA, "score": 7, "justification": "x", "feedback": "y"})),  # score > 1
    text(json.dumps({"criteria": {"open-question": True}, "score": 0.5, "justification": "x", "feedback": "y"})),
    text(json.dumps({"criteria": CRITERIA, "score": 0.5, "justification": "x", "feedback": "y", "extra": 1})),
    http_error(500),
])
def test_any_failure_falls_back_to_the_offline_rubric(bank: DrillBank, server: ScriptedLLMServer, reply) -> None:  # type: ignore[no-untyped-def]
    server.enqueue(reply)
    drill = bank.get("probe-rephrase-price-final")
    answer = "What makes the price so important for you?"
    result = grade(drill, answer, _model(server))
    assert result.graded_by == "rubric-offline"
    assert result.score == 1.0 and "Graded offline" in result.feedback
    assert result.model_answer == drill.model_answer  # type: ignore[union-attr]
    assert len(server.requests) == 1


def test_exact_drills_never_call_the_model(bank: DrillBank, server: ScriptedLLMServer) -> None:
    assert grade(bank.get("meso-what"), "B", _model(server)).correct
    assert server.requests == []
