"""Small rendering helpers shared by the pages (charts, citations, notices)."""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import streamlit as st

from ui import state


def citation_expander(chunk_id: str | None, label: str | None = None) -> None:
    """An expander titled with the citation id that opens to the cited passage's text."""
    if not chunk_id:
        return
    kb = state.knowledge_base()
    passage = kb.get(chunk_id) if kb is not None else None
    with st.expander(label or citation_label(passage, chunk_id), icon=":material/menu_book:"):
        if passage is None:
            st.caption(f"Passage `{chunk_id}` is not in the practices library.")
            return
        st.markdown(passage.text)
        st.caption(f"Source: `{passage.id}` ({passage.kind})")


def citation_label(passage: Any, chunk_id: str) -> str:
    """``Title — Section`` of a cited passage (the bare id when it is unknown)."""
    return chunk_id if passage is None else f"{passage.title} — {passage.section}"


def citations_block(chunk_ids: Iterable[str], title: str = "Sources") -> None:
    """Every citation of a reply as an expander (deduplicated, in order)."""
    ids = list(dict.fromkeys(c for c in chunk_ids if c))
    if not ids:
        return
    st.caption(title)
    for chunk_id in ids:
        citation_expander(chunk_id)


def fallback_notice(reason: str | None) -> None:
    """The notice shown when the model failed and the offline coach answered instead."""
    if reason:
        st.warning(f"The model did not answer ({reason}); this is the offline coach's answer.", icon=":material/warning:")


# Vega-Lite specs by (builder, inputs): the inputs are plain JSON data, so a spec is built once
# per distinct result and reused on every rerun.
_SPECS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_SPECS_LOCK = threading.Lock()
MAX_SPECS = 256


def chart(builder: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Draw ``builder(*args, **kwargs)`` (a ``ui.charts`` function) with its spec cached."""
    key = json.dumps([builder.__module__, builder.__name__, args, kwargs], sort_keys=True, default=str)
    with _SPECS_LOCK:
        spec = _SPECS.get(key)
        if spec is not None:
            _SPECS.move_to_end(key)
    if spec is None:
        spec = builder(*args, **kwargs)
        with _SPECS_LOCK:
            _SPECS[key] = spec
            while len(_SPECS) > MAX_SPECS:
                _SPECS.popitem(last=False)
    st.vega_lite_chart(spec=copy.deepcopy(spec), width="stretch")  # streamlit moves datasets out of the dict
