"""Classify an article's paragraphs: title, body text, sub-heading, picture caption, boilerplate.

The rules read what news sites actually leave in extracted text: "Artiklen fortsætter under
annoncen", wire-service bylines such as "/ritzau/Reuters", "Publisert: Nå nettopp", "les også ...",
captions ending in "Foto: X / AFP" or starting with an upper-case label ("ANKOMMER: ..."), and short
unpunctuated lines that are sub-headings ("Russlands krav") or the title.
"""

from __future__ import annotations

import re

from kilde.corpus.model import ParagraphKind

_BOILERPLATE = re.compile(
    r"""^(?:
        artiklen\ fortsætter\ under\ annoncen | artikkelen\ fortsetter\ under\ annonsen
      | annonce | annonse | reklame | advertisement
      | (?:læs|les|se)\ (?:også|ogsaa|mere|mer)\b.*
      | (?:publiseret|publisert|publicert|oppdatert|opdateret|udgivet)\s*:.*
      | /?ritzau/?.* | \(?©?\s*ntb\)? | /?ntb/?.* | \(?©?\s*ritzau\)?
      | del\ (?:artiklen|artikkelen|på\ facebook).* | (?:tips|kontakt)\ os\b.*
      | (?:lyt|lytt)\ til\ artikl?en.*
      | (?:foto|photo|illustrasjon|illustration)\s*:.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION_CREDIT = re.compile(
    r"\b(?:foto|photo|fotos|illustrasjon|illustration|grafikk|grafik)\s*:", re.IGNORECASE)
# An all-capitals label opening the paragraph, as in "ANKOMMER: ..." (short ones like "USA:" are titles).
_CAPTION_LABEL = re.compile(r"^[A-ZÆØÅÄÖ][A-ZÆØÅÄÖ .,/-]{4,}:\s")
# A line that only names the source of the paragraph before it ("Det skriver Reuters.", "Det
# melder Washington Post.", "Dette opplyser politiet til NTB."): it never answers anything.
_ATTRIBUTION = re.compile(
    r"^(?:det|dette|så|sådan|slik)\s+(?:skriver|skrev|melder|meldte|opplyser|oplyser|sier|siger|"
    r"sa|sagde|rapporterer|bekrefter|bekræfter|erfarer|meddeler)\b[^.!?]{0,60}[.!?]?$",
    re.IGNORECASE,
)
ATTRIBUTION_MAX_WORDS = 10
_SENTENCE_END = re.compile(r"[.!?:;…][\"”»)']*$")

HEADING_MAX_WORDS = 8
TITLE_MAX_WORDS = 20


def _is_boilerplate(text: str) -> bool:
    text = text.strip()
    if _ATTRIBUTION.match(text) and len(text.split()) <= ATTRIBUTION_MAX_WORDS:
        return True
    return bool(_BOILERPLATE.match(text))


def _is_caption(text: str) -> bool:
    # Both patterns need a colon: most paragraphs are ruled out without a search.
    return ":" in text and (bool(_CAPTION_CREDIT.search(text)) or bool(_CAPTION_LABEL.match(text)))


def _is_heading_like(text: str, max_words: int) -> bool:
    # Split no further than one word past the limit: a long paragraph's words are not counted.
    words = text.split(None, max_words)
    return 0 < len(words) <= max_words and "\n" not in text and not _SENTENCE_END.search(text)


def classify_paragraphs(texts: list[str]) -> list[ParagraphKind]:
    """The kind of each paragraph of one article, in order."""
    kinds: list[ParagraphKind] = []
    title_seen = False
    for position, text in enumerate(texts):
        if _is_boilerplate(text):
            kind = ParagraphKind.BOILERPLATE
        elif _is_caption(text):
            kind = ParagraphKind.CAPTION
        elif (
            not title_seen
            and all(k is ParagraphKind.CAPTION for k in kinds)
            and position < 2
            and _is_heading_like(text, TITLE_MAX_WORDS)
        ):
            kind = ParagraphKind.TITLE
        elif _is_heading_like(text, HEADING_MAX_WORDS):
            kind = ParagraphKind.HEADING
        else:
            kind = ParagraphKind.BODY
        title_seen = title_seen or kind is ParagraphKind.TITLE
        kinds.append(kind)
    return kinds
