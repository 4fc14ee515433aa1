"""Pie Coach Streamlit app (placeholder until the UI issue lands)."""

import streamlit as st

st.set_page_config(page_title="Pie Coach", page_icon="🥧")
st.title("Pie Coach")
st.write("Expand the pie before you split it.")
