"""Figures and formatting for the pages: plotly charts, the map, Vietnamese number formats."""
