"""Bilingual text. Chinese is the default language of every message and report."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["zh", "en"]
DEFAULT_LANG: Lang = "zh"


class Text(BaseModel):
    """A message in Simplified Chinese with its English twin."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: str
    en: str

    def get(self, lang: Lang = DEFAULT_LANG) -> str:
        return self.en if lang == "en" else self.zh

    def __str__(self) -> str:  # the default language, so printing never loses Chinese
        return self.zh
