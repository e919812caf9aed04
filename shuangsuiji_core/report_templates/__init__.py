"""Jinja templates of the monthly report (package data)."""
