"""Jinja templates of the report formats (package data)."""
