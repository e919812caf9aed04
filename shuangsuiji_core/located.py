"""A mix-in that lets a model remember where in a file it was read from."""

from __future__ import annotations

from pydantic import BaseModel, PrivateAttr

from policy_rules.errors import Location


class Located(BaseModel):
    _location: Location | None = PrivateAttr(default=None)

    @property
    def location(self) -> Location | None:
        return self._location

    def with_location(self, location: Location | None):
        self._location = location
        return self
