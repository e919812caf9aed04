"""A generic engine for versioned, cited policy rulesets: schema, loading, compiling,
evaluating, findings and rendering. Nothing here knows about inspections; the domain
hands in its vocabulary of facts, metrics and patterns.
"""

from .errors import InputError, Location, PolicyRulesError, Problem
from .i18n import Text

__all__ = ["InputError", "Location", "PolicyRulesError", "Problem", "Text"]
