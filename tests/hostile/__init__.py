"""Hostile and broken files, built in code, each with what the loaders must make of it (see builders.py)."""
