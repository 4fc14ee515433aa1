"""Pie Coach Streamlit front end: pages render state and call the coach services."""
