"""Settings page: backend, base URL, model, API key (this browser session only), data directory.

The form builds a ``Settings`` object (``Settings(**overrides)``) and hands it to the services;
invalid values give one ``st.error`` line per field. The API key stays in ``st.session_state``:
it is never written to the database or to disk.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import SecretStr

from ui import state

PROVIDERS = ("auto", "offline", "openai", "ollama")
PROVIDER_HELP = ("auto: a configured OpenAI-compatible server, else a local Ollama, else offline. "
                 "offline: the embedded deterministic coach (no model). openai: any OpenAI-compatible "
                 "server (OpenAI, Azure OpenAI v1, vLLM, LM Studio, llama.cpp). ollama: a local Ollama.")

st.title("Settings")
st.caption("Changes apply to this browser session. The API key is kept in memory for this session only: "
           "it is never saved to the database or to disk.")

current = state.settings()
key_is_set = current.llm_api_key is not None

with st.form("settings_form"):
    provider = st.selectbox("Backend", PROVIDERS, index=PROVIDERS.index(current.llm_provider), help=PROVIDER_HELP)
    base_url = st.text_input("Base URL", value=current.llm_base_url or "",
                             placeholder="e.g. http://127.0.0.1:11434/v1 (blank: api.openai.com)")
    model = st.text_input("Model", value=current.llm_model or "", placeholder="e.g. gpt-4o-mini or llama3.1")
    api_key = st.text_input("API key", type="password", value="",
                            placeholder="set for this session (leave blank to keep)" if key_is_set
                            else "not set", help="Kept only in this browser session's memory.")
    forget_key = st.checkbox("Forget the API key", value=False, disabled=not key_is_set)
    timeout = st.text_input("Timeout (seconds)", value=f"{current.llm_timeout:g}",
                            help="Seconds before a model call is abandoned (0 < timeout <= 600).")
    data_dir = st.text_input("Data directory", value=str(current.data_dir),
                             help="Where the database and the practices index live.")
    timezone = st.text_input("Time zone", value=current.timezone, help="IANA name, for streaks (e.g. Europe/Paris).")
    col_save, col_test = st.columns(2)
    save = col_save.form_submit_button("Save for this session", type="primary")
    test = col_test.form_submit_button("Test connection")


def _overrides() -> dict[str, Any]:
    overrides: dict[str, Any] = {"llm_provider": provider, "llm_base_url": base_url.strip() or None,
                                 "llm_model": model.strip() or None, "llm_timeout": timeout.strip(),
                                 "data_dir": data_dir.strip(), "timezone": timezone.strip() or "UTC"}
    if api_key.strip():
        overrides["llm_api_key"] = SecretStr(api_key.strip())
    elif key_is_set and not forget_key:
        overrides["llm_api_key"] = current.llm_api_key
    return overrides


if save or test:
    overrides = _overrides()
    new, problems = state.build_settings(overrides)
    for line in problems:
        st.error(line)
    if new is not None:
        if save:
            state.apply_settings(new, overrides)
            st.success(f"Saved for this session: backend {new.llm_provider}, data in {new.data_dir}.")
        if test:
            from coach.llm.backends import test_connection

            with st.spinner("Testing the connection…"):
                ok, message = test_connection(new)
            (st.success if ok else st.error)(("Connection OK: " if ok else "Connection failed: ") + message)

with st.expander("Settings in force", expanded=False):
    shown = state.settings().redacted()
    st.json({k: shown[k] for k in ("llm_provider", "llm_base_url", "llm_model", "llm_api_key", "llm_timeout",
                                    "data_dir", "timezone", "user_id")})
