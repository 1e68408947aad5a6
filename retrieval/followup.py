"""Follow-ups: a reply to an answer asks on about the earlier question's topic.

"And what did NATO answer?" in reply to the answer to "What did Russia demand from NATO?" is
run as "And what did NATO answer? (Russia demand)": the earlier question's content words that
the reply does not repeat are carried over. A reply that opens a topic of its own ("Which
pizza toppings go with pineapple?") is run as it stands. A reply continues the thread when it
opens like a continuation ("and ...", "what about ...", "og ...", "hva med ..."), points back
with a personal pronoun ("what did they say?"), or, naming no one new, says too little to stand
alone (at most two content words). The question actually run is what the answer (and the
bot's query log) shows. The engine then ranks the passages the earlier answer showed after the
others (`Engine.ask`), so that a follow-up brings what is new.
"""

from __future__ import annotations

import re

from kilde.retrieval import stopwords
from kilde.retrieval.analysis import normalize_keep_case, word_spans

MAX_OWN_TOPIC_WORDS = 2  # a reply with more content words than this can stand alone
_OPENERS = re.compile(
    r"^\W*(and|but|so|also|then|what about|how about|and what about|og|men|så|også|hvad med|"
    r"hva med|og hvad med|og hva med|hvad så med|hva så med)\b",
    re.IGNORECASE,
)
# Pronouns that point back to someone named earlier ("it", "det" and "den" are left out: they
# open standalone questions too, "Is it true that ...?").
_POINTING_BACK = frozenset((
    "they", "them", "their", "theirs", "he", "him", "his", "she", "her", "hers",
    "dem", "deres", "han", "ham", "hun", "hende", "hendes", "henne", "hennes",
))


def _content_words(text: str) -> list[tuple[str, str]]:
    """(as written, normalised) for each word of `text` that is no stop word in any language."""
    plain = normalize_keep_case(text)
    found: dict[str, str] = {}
    for start, end, word in word_spans(plain):
        if len(word) > 1 and not any(word in words for words in stopwords.BY_LANGUAGE.values()):
            found.setdefault(word, plain[start:end])
    return [(written, word) for word, written in found.items()]


def _new_names(reply: str, earlier: str) -> bool:
    """Whether the reply names someone or something (a capitalised word after its first word)
    that the earlier question did not."""
    known = {word for _, word in _content_words(earlier)}
    spans = word_spans(normalize_keep_case(reply))
    first = spans[0][0] if spans else 0
    return any(
        written[:1].isupper() and word not in known
        for written, word in _content_words(reply)
        if not normalize_keep_case(reply).startswith(written, first)
    )


def continues_thread(reply: str, earlier: str) -> bool:
    """Whether a reply to the answer to `earlier` asks on about that answer's topic."""
    if _OPENERS.match(normalize_keep_case(reply)):
        return True
    words = {word for _, _, word in word_spans(normalize_keep_case(reply))}
    if words & _POINTING_BACK:
        return True
    if _new_names(reply, earlier):
        return False
    return len(_content_words(reply)) <= MAX_OWN_TOPIC_WORDS


def follow_up_question(reply: str, earlier: str) -> str:
    """The question to run for `reply`, a reply to the answer to `earlier` (itself maybe a
    follow-up as run, so a thread keeps its topic)."""
    if not continues_thread(reply, earlier):
        return reply
    own = {word for _, word in _content_words(reply)}
    carried = [written for written, word in _content_words(earlier) if word not in own]
    if not carried:
        return reply
    return f"{reply.rstrip()} ({' '.join(carried)})"
