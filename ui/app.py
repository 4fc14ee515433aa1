"""Pie Coach: the Streamlit entry point (``streamlit run ui/app.py``).

Thin on purpose: it registers the five pages with ``st.navigation`` (Live deal is the default)
and shows which backend answers. Every page renders state and calls the coach services.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if str(_ROOT) not in sys.path:  # `streamlit run ui/app.py` puts only ui/ on the path
    sys.path.insert(0, str(_ROOT))

import streamlit as st

from ui import state

PAGES_DIR = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Pie Coach", page_icon=":material/pie_chart:", layout="wide")

pages = [
    st.Page(PAGES_DIR / "live_deal.py", title="Live deal", icon=":material/handshake:", default=True),
    st.Page(PAGES_DIR / "practice.py", title="Practice", icon=":material/fitness_center:"),
    st.Page(PAGES_DIR / "roleplay.py", title="Role-play", icon=":material/theater_comedy:"),
    st.Page(PAGES_DIR / "progress.py", title="Progress", icon=":material/trending_up:"),
    st.Page(PAGES_DIR / "settings.py", title="Settings", icon=":material/settings:"),
]
page = st.navigation(pages)
state.sidebar_status()
page.run()
