"""Approximate token counts, the strict prompt loader, and secret redaction."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from coach.agent.prompts import PromptError, list_prompts, prompt_variables, render_prompt
from coach.errors import CoachError
from coach.llm.redaction import REDACTED, configured_secrets, redact_secrets, redact_text
from coach.llm.tokens import MESSAGE_OVERHEAD, approx_tokens
from coach.settings import Settings

PROSE = ("Before you split the pie, find out what the other side values most. Ask why a term matters, "
         "trade what is cheap for you and valuable for them, and offer three packages of equal value.")


# -- tokens -------------------------------------------------------------------------------------
def test_tokens_of_english_prose_are_in_the_bpe_range() -> None:
    words = len(PROSE.split())  # 39 words; cl100k gives ~45 tokens for this sentence
    assert words <= approx_tokens(PROSE) <= int(words * 1.6)


def test_tokens_of_messages_add_overhead_and_tool_calls() -> None:
    plain = [SystemMessage("You coach."), HumanMessage(PROSE)]
    assert approx_tokens(plain) == approx_tokens("You coach.") + approx_tokens(PROSE) + 2 * MESSAGE_OVERHEAD
    with_call = AIMessage("", tool_calls=[{"name": "zopa", "args": {"mine": 100, "theirs_low": 90}, "id": "c1"}])
    assert approx_tokens([with_call]) > MESSAGE_OVERHEAD
    assert approx_tokens([{"role": "user", "content": PROSE}]) == approx_tokens([HumanMessage(PROSE)])


def test_tokens_edge_cases() -> None:
    assert approx_tokens("") == 0 and approx_tokens([]) == 0 and approx_tokens(None) == 0
    assert approx_tokens({"type": "function", "name": "zopa"}) > 0


@given(st.text(max_size=300), st.text(max_size=300))
def test_tokens_are_subadditive_and_monotone(a: str, b: str) -> None:
    ta, tb, tab = approx_tokens(a), approx_tokens(b), approx_tokens(a + b)
    assert ta >= 0 and tb >= 0
    assert tab <= ta + tb + 1
    assert tab >= max(ta, tb) - 1


# -- prompts ------------------------------------------------------------------------------------
@pytest.fixture
def prompt_dir(tmp_path: Path) -> Path:
    (tmp_path / "greet.md").write_text("Hello {{name}}, deal {{ deal_id }}. JSON: {\"a\": 1}. Literal {{{{x}}.\n")
    (tmp_path / "plain.md").write_text("No variables here.\n")
    (tmp_path / "README.md").write_text("# not a prompt {{x}}\n")
    return tmp_path


def test_render_substitutes_and_keeps_single_braces(prompt_dir: Path) -> None:
    out = render_prompt("greet", directory=prompt_dir, name="Ana", deal_id=7)
    assert out == "Hello Ana, deal 7. JSON: {\"a\": 1}. Literal {{x}}.\n"


def test_missing_variable_names_prompt_and_variable(prompt_dir: Path) -> None:
    with pytest.raises(PromptError, match=r"prompt 'greet' is missing variable\(s\): deal_id"):
        render_prompt("greet", directory=prompt_dir, name="Ana")
    assert issubclass(PromptError, CoachError)


def test_unused_variable_is_an_error(prompt_dir: Path) -> None:
    with pytest.raises(PromptError, match="no placeholder for variable\\(s\\): nmae"):
        render_prompt("greet", directory=prompt_dir, name="Ana", deal_id=1, nmae="typo")


def test_missing_file_and_bad_name(prompt_dir: Path) -> None:
    with pytest.raises(PromptError, match="not found"):
        render_prompt("nope", directory=prompt_dir)
    with pytest.raises(PromptError, match="invalid"):
        render_prompt("../etc/passwd", directory=prompt_dir)


def test_prompt_is_read_at_call_time(prompt_dir: Path) -> None:
    assert render_prompt("plain", directory=prompt_dir) == "No variables here.\n"
    (prompt_dir / "plain.md").write_text("Edited {{who}}.")
    assert render_prompt("plain", directory=prompt_dir, who="live") == "Edited live."


def test_list_prompts_and_variables(prompt_dir: Path) -> None:
    assert list_prompts(prompt_dir) == ["greet", "plain"]
    assert prompt_variables("greet", prompt_dir) == {"name", "deal_id"}


def test_repository_prompts_all_parse() -> None:
    # Every shipped prompt's placeholders are well-formed names (renders with all of them supplied).
    for name in list_prompts():
        values = {var: f"<{var}>" for var in prompt_variables(name)}
        assert "{{" not in render_prompt(name, **values).replace("{{{{", "")


# -- redaction ----------------------------------------------------------------------------------
def test_redacts_patterns_configured_key_and_secret_fields() -> None:
    settings = Settings(llm_api_key="azure0123456789abcdef")  # a key with no sk- shape
    secrets = configured_secrets(settings)
    trace = {"tool_calls": [{"args": {"note": "my key is azure0123456789abcdef"}}],
             "headers": {"Authorization": "Bearer abcdefghijkl", "api_key": "whatever"},
             "log": "sent Bearer abc123defghi",
             "text": "use sk-proj-AbCdEf123456 or api_key=zzzzzzzz", "prompt_tokens": 12}
    clean = redact_secrets(trace, secrets)
    dumped = json.dumps(clean)
    for secret in ("azure0123456789abcdef", "abcdefghijkl", "abc123defghi", "whatever",
                   "sk-proj-AbCdEf123456", "zzzzzzzz"):
        assert secret not in dumped
    assert clean["prompt_tokens"] == 12 and clean["headers"]["api_key"] == REDACTED


def test_redaction_keeps_ordinary_text() -> None:
    text = "Their ceiling is $160k; ask for a 6-month review; session 4111aea6-4b51-436f-8b19-64cff0d1a530."
    assert redact_text(text) == text


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=40),
       st.text(max_size=40))
def test_configured_key_never_survives(key: str, noise: str) -> None:
    data = {"a": [noise + key + noise, {"b": (key,)}], key: "x"}
    assert key not in json.dumps(redact_secrets(data, [key]))


def test_negotiation_words_about_secrets_are_kept() -> None:
    text = "Secret: flexibility on delivery dates. Keep it secret = yes. The token gesture is a free pilot. A bearer instrument, a risk-averse desk-based team."
    assert redact_text(text) == text
    assert redact_secrets({"secret": "our real deadline", "what_not_to_reveal": ["budget"]}) == {
        "secret": "our real deadline", "what_not_to_reveal": ["budget"]}


def test_key_inside_json_text_is_redacted() -> None:
    # A dict dumped to text (an error message, a log line) used to keep the value: the closing
    # quote of "api_key" stood between the name and the colon.
    text = json.dumps({"api_key": "azure0123456789abcdef", "note": "ok"})
    clean = redact_text(text)
    assert "azure0123456789abcdef" not in clean
    assert json.loads(clean) == {"api_key": REDACTED, "note": "ok"}
    assert redact_text("{'access_token': 'tok9876543210'}") == "{'access_token': '[REDACTED]'}"
