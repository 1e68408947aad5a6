"""The passage table: what the engine needs to know of every indexed paragraph, in compact arrays.

A question needs, for a few dozen passages, their text, paragraph number and article; it never
needs the whole corpus parsed into objects. So the table keeps the citable paragraphs' texts in
one UTF-8 blob with offsets, their paragraph numbers and article ordinals in integer arrays, and
one small record per article. Saved beside the index, it is memory-mapped at start-up: `kilde
ask` on a corpus of a million paragraphs starts without reading a single article file.

Layout of a saved table folder:

    manifest.json     format name and version, counts, each file's size
    articles.json     [[id, source, title, date, language, source_url, label], ...]
    text.bin          the passages' texts, UTF-8, back to back
    text_offsets.npy  int64 [n + 1]: passage i is text.bin[offsets[i]:offsets[i + 1]]
    article.npy       int32 [n]: the article ordinal of each passage
    number.npy        int32 [n]: the paragraph number of each passage
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from kilde.corpus import Article, Corpus, ParagraphKind
from kilde.corpus.atomic import atomic_folder
from kilde.retrieval.errors import IndexFormatError

FORMAT_NAME = "kilde-passages"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ARTICLES = "articles.json"
TEXT = "text.bin"
ARRAYS = {"text_offsets.npy": np.int64, "article.npy": np.int32, "number.npy": np.int32}


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """What a citation needs of an article."""

    id: str
    source: str
    title: str | None
    date: str | None
    language: str
    source_url: str | None
    label: str  # the title, or the opening words of the lead


@dataclass(frozen=True, slots=True)
class PassageRef:
    """One passage as a hit shows it."""

    article: ArticleInfo
    number: int
    text: str


def _info(article: Article) -> ArticleInfo:
    return ArticleInfo(
        article.id, article.source, article.title, article.date, article.language,
        article.source_url, article.label,
    )


def citable_paragraphs(corpus: Corpus) -> Iterable[tuple[int, Article, int, str, str | None]]:
    """(article ordinal, article, paragraph number, text, heading) of each citable paragraph."""
    for ordinal, article in enumerate(corpus.articles):
        for paragraph in article.paragraphs:
            if paragraph.kind is ParagraphKind.BODY:
                yield ordinal, article, paragraph.number, paragraph.text, paragraph.heading


class PassageTable:
    """The citable paragraphs of a corpus, in index order."""

    def __init__(
        self,
        articles: list[ArticleInfo],
        text: bytes | np.ndarray,
        offsets: np.ndarray,
        article_of: np.ndarray,
        number_of: np.ndarray,
    ) -> None:
        self.articles = articles
        self._text = text
        self._offsets = offsets
        self._article_of = article_of
        self._number_of = number_of

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> PassageTable:
        chunks: list[bytes] = []
        offsets = [0]
        article_of: list[int] = []
        number_of: list[int] = []
        for ordinal, _, number, text, _ in citable_paragraphs(corpus):
            encoded = text.encode("utf-8")
            chunks.append(encoded)
            offsets.append(offsets[-1] + len(encoded))
            article_of.append(ordinal)
            number_of.append(number)
        return cls(
            [_info(article) for article in corpus.articles],
            b"".join(chunks),
            np.asarray(offsets, dtype=np.int64),
            np.asarray(article_of, dtype=np.int32),
            np.asarray(number_of, dtype=np.int32),
        )

    def __len__(self) -> int:
        return len(self._article_of)

    def article_ordinal(self, doc: int) -> int:
        return int(self._article_of[doc])

    def article(self, doc: int) -> ArticleInfo:
        return self.articles[int(self._article_of[doc])]

    def text(self, doc: int) -> str:
        start, end = int(self._offsets[doc]), int(self._offsets[doc + 1])
        return bytes(self._text[start:end]).decode("utf-8")

    def passage(self, doc: int) -> PassageRef:
        return PassageRef(self.article(doc), int(self._number_of[doc]), self.text(doc))

    def article_ordinals(self, docs: list[int]) -> list[int]:
        """The article ordinal of each of `docs`, in one array lookup."""
        return [int(a) for a in self._article_of[np.asarray(docs, dtype=np.int64)]] if docs else []

    @cached_property
    def _article_starts(self) -> list[int]:
        # Passages are in article order, so each article's passages are one contiguous run.
        bounds = np.searchsorted(self._article_of, np.arange(len(self.articles) + 1))
        return [int(b) for b in bounds]

    def article_passages(self, ordinal: int) -> range:
        """The passages of one article."""
        starts = self._article_starts
        return range(starts[ordinal], starts[ordinal + 1])

    def article_digests(self) -> dict[str, str]:
        """A digest of each article's record and citable texts, by article id, to tell what a
        reload added, changed or removed without reading the article files."""
        digests = {}
        for ordinal, article in enumerate(self.articles):
            digest = hashlib.sha256(repr(article).encode())
            for doc in self.article_passages(ordinal):
                digest.update(b"\0" + bytes(self._text[self._offsets[doc]:self._offsets[doc + 1]]))
            digests[article.id] = digest.hexdigest()
        return digests

    def article_dates(self, docs: list[int]) -> dict[int, str | None]:
        """The article date of each of `docs`."""
        return {doc: self.articles[a].date for doc, a in zip(docs, self.article_ordinals(docs), strict=True)}

    def neighbours(self, doc: int) -> list[int]:
        """The passages just before and after `doc` in the same article."""
        ordinal = self._article_of[doc]
        return [
            other for other in (doc - 1, doc + 1)
            if 0 <= other < len(self) and self._article_of[other] == ordinal
        ]

    # storage ---------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the table into `directory` atomically (a temporary folder renamed into place)."""
        with atomic_folder(directory) as temporary:
            rows = [[a.id, a.source, a.title, a.date, a.language, a.source_url, a.label]
                    for a in self.articles]
            (temporary / ARTICLES).write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
            (temporary / TEXT).write_bytes(bytes(self._text))
            arrays = dict(zip(ARRAYS, (self._offsets, self._article_of, self._number_of), strict=True))
            for name, values in arrays.items():
                np.save(temporary / name, np.ascontiguousarray(values, dtype=ARRAYS[name]))
            sizes = {p.name: p.stat().st_size for p in temporary.iterdir()}
            manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                        "passages": len(self), "articles": len(self.articles), "files": sizes}
            (temporary / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> PassageTable:
        """Memory-map a saved table; raises IndexFormatError naming what is wrong."""
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_NAME or manifest.get("version") != FORMAT_VERSION:
                raise IndexFormatError(f"{directory}: not a passage table of version {FORMAT_VERSION}")
            for name, size in manifest["files"].items():
                if (directory / name).stat().st_size != size:
                    raise IndexFormatError(f"{directory / name}: truncated or changed")
            rows = json.loads((directory / ARTICLES).read_text(encoding="utf-8"))
            articles = [ArticleInfo(*row) for row in rows]
            text = (
                np.memmap(directory / TEXT, dtype=np.uint8, mode="r").view(np.ndarray)
                if manifest["files"][TEXT] else b""
            )
            # Plain ndarray views of the mapped memory: np.memmap's item access is ten times slower.
            offsets, article_of, number_of = (
                np.load(directory / name, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                for name in ARRAYS
            )
        except IndexFormatError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise IndexFormatError(f"{directory}: unreadable passage table ({error})") from None
        n = int(manifest["passages"])
        if len(offsets) != n + 1 or len(article_of) != n or len(number_of) != n:
            raise IndexFormatError(f"{directory}: passage table arrays disagree with the manifest")
        return cls(articles, text, offsets, article_of, number_of)
