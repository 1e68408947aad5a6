"""The languages Kilde knows, in one place: articles are Danish or Norwegian (bokmål); questions
may also be English."""

from __future__ import annotations

ARTICLE_LANGUAGES = ("da", "no")
QUESTION_LANGUAGES = ("en", "da", "no")
# Snowball stemmer (PyStemmer) per language code.
STEMMERS = {"da": "danish", "no": "norwegian", "en": "english"}
