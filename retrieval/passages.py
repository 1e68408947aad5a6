"""The passage table: what the engine needs to know of every indexed paragraph, in compact arrays.

A question needs, for a few dozen passages, their text, paragraph number and article; it never
needs the whole corpus parsed into objects. So the table keeps the citable paragraphs' texts in
one UTF-8 blob with offsets, their paragraph numbers and article ordinals in integer arrays, and
one small record per article. Saved beside the index, it is memory-mapped at start-up: `kilde
ask` on a corpus of a million paragraphs starts without reading a single article file.

Layout of a saved table folder:

    manifest.json     format name and version, counts, each file's size and CRC-32 (sealed,
                      like the index's: `kilde.retrieval.checksums`, verified at every load)
    articles.bin      one JSON record per article, back to back, UTF-8:
                      [id, source, title, date, language, source_url, label, outlet]
    article_offsets.npy  int64 [articles + 1]: article a's record is articles.bin[o[a]:o[a + 1]]
    article_year.npy  int32 [articles]: the year the article is dated in, -1 if undated
    text.bin          the passages' texts, UTF-8, back to back
    text_offsets.npy  int64 [n + 1]: passage i is text.bin[offsets[i]:offsets[i + 1]]
    article.npy       int32 [n]: the article ordinal of each passage
    number.npy        int32 [n]: the paragraph number of each passage
    own_terms.npy     int32 [n]: how many distinct index tokens the passage's own words give; the
                      rest of its tokens come from the sub-heading above it

The article records are parsed one by one when asked for (`SavedArticles`): a question needs a
handful, and parsing all of them (45,000 at a million paragraphs) cost every start 0.15 s.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO, overload

import numpy as np

from kilde.corpus import Article, Corpus
from kilde.corpus.atomic import atomic_folder
from kilde.retrieval.checksums import Verifier, check_seal, file_checksums, sealed
from kilde.retrieval.errors import IndexFormatError
from kilde.retrieval.filearray import FileArray

FORMAT_NAME = "kilde-passages"
FORMAT_VERSION = 5  # 2: each article's outlet; 3: checksums; 4: own_terms; 5: records by offsets
MANIFEST = "manifest.json"
ARTICLES = "articles.bin"
TEXT = "text.bin"
ARRAYS = {"text_offsets.npy": np.int64, "article.npy": np.int32, "number.npy": np.int32,
          "own_terms.npy": np.int32}
ARTICLE_ARRAYS = {"article_offsets.npy": np.int64, "article_year.npy": np.int32}
# A passage whose own words are not known apart from its sub-heading's: all its tokens count.
ALL_OWN = np.iinfo(np.int32).max
# A paragraph is searched, and excerpted, by its first SEARCHED_CHARS characters, so that one
# paragraph of megabytes costs an index and every answer that cites it no more than a long
# news paragraph does (the longest of the evaluation sets has about 2,000). It is still quoted
# whole as the hit's `paragraph`.
SEARCHED_CHARS = 10_000
_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")


def searched_part(text: str) -> str:
    """The part of a passage that is analysed: all of it, or its first SEARCHED_CHARS
    characters cut at white space (mid-word only when there is none)."""
    if len(text) <= SEARCHED_CHARS:
        return text
    head = text[:SEARCHED_CHARS]
    space = _LAST_SPACE.search(head, SEARCHED_CHARS - 200)  # a word is at most ~80 characters
    return head[: space.start()] if space else head


def write_blob(stream: BinaryIO, blob: bytes | np.ndarray) -> None:
    """Write bytes or a (mapped) uint8 array without a copy of it in memory."""
    if isinstance(blob, bytes):
        stream.write(blob)
    else:
        blob.tofile(stream)


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
    outlet: str | None = None  # "VG", "Ritzau", when the URL or the text tells


@dataclass(frozen=True, slots=True)
class PassageRef:
    """One passage as a hit shows it."""

    article: ArticleInfo
    number: int
    text: str


def _year(date: str | None) -> int:
    return int(date[:4]) if date else -1


def article_years(articles: Sequence[ArticleInfo]) -> np.ndarray:
    """The year each article is dated in (-1: undated), without parsing saved records."""
    if isinstance(articles, SavedArticles | JoinedArticles):
        return articles.years
    return np.asarray([_year(a.date) for a in articles], dtype=np.int32)


class _ArticleSequence(Sequence[ArticleInfo]):
    """Article records by ordinal, each found by `_at` (an ordinal in range)."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _at(self, index: int) -> ArticleInfo:
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> ArticleInfo: ...
    @overload
    def __getitem__(self, index: slice) -> list[ArticleInfo]: ...

    def __getitem__(self, index: int | slice) -> ArticleInfo | list[ArticleInfo]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._at(index)


class SavedArticles(_ArticleSequence):
    """A saved table's article records, each parsed when first asked for."""

    def __init__(self, records: bytes | np.ndarray, offsets: np.ndarray, years: np.ndarray) -> None:
        self._records = records
        self._offsets = offsets
        self.years = years
        self._parsed: dict[int, ArticleInfo] = {}

    def __len__(self) -> int:
        return len(self.years)

    def _at(self, index: int) -> ArticleInfo:
        info = self._parsed.get(index)
        if info is None:
            start, end = int(self._offsets[index]), int(self._offsets[index + 1])
            info = ArticleInfo(*json.loads(bytes(self._records[start:end]).decode("utf-8")))
            self._parsed[index] = info
        return info

    def __iter__(self) -> Iterator[ArticleInfo]:
        return (self._at(i) for i in range(len(self)))


class JoinedArticles(_ArticleSequence):
    """The articles of tables side by side, ordinals running on from one to the next."""

    def __init__(self, parts: Sequence[Sequence[ArticleInfo]]) -> None:
        self._parts = list(parts)
        self._bases = list(itertools.accumulate((len(p) for p in self._parts), initial=0))
        self.years = (np.concatenate([article_years(p) for p in self._parts]) if self._parts
                      else np.zeros(0, np.int32))

    def __len__(self) -> int:
        return self._bases[-1]

    def _at(self, index: int) -> ArticleInfo:
        part = bisect.bisect_right(self._bases, index) - 1
        return self._parts[part][index - self._bases[part]]

    def __iter__(self) -> Iterator[ArticleInfo]:
        return itertools.chain.from_iterable(self._parts)


def _info(article: Article) -> ArticleInfo:
    return ArticleInfo(
        article.id, article.source, article.title, article.date, article.language,
        article.source_url, article.label, article.outlet,
    )


def citable_paragraphs(
    articles: Corpus | Sequence[Article],
) -> Iterable[tuple[int, Article, int, str, str | None]]:
    """(article ordinal, article, paragraph number, text, heading) of each citable paragraph."""
    if isinstance(articles, Corpus):
        articles = articles.articles
    for ordinal, article in enumerate(articles):
        for paragraph in article.paragraphs:
            if paragraph.kind.quoted:
                yield ordinal, article, paragraph.number, paragraph.text, paragraph.heading


class PassageTable:
    """The citable paragraphs of a corpus, in index order.

    A table may be several saved tables side by side (the segments of a growing collection):
    passage and article ordinals then run on from one part to the next, and articles that were
    removed or replaced since stay in place but are not live (`is_live_article`).
    """

    def __init__(
        self,
        articles: Sequence[ArticleInfo],
        text: bytes | np.ndarray,
        offsets: np.ndarray,
        article_of: np.ndarray,
        number_of: np.ndarray,
        own_terms: np.ndarray,
    ) -> None:
        self.articles = articles
        self._text = text
        self._offsets = offsets
        self._article_of = article_of
        self._number_of = number_of
        self._own_terms = own_terms
        # A saved table's texts are read by pread, not through their mapping (filearray).
        self._text_file = FileArray.of(text)
        self._parts: list[tuple[int, bytes | np.ndarray, np.ndarray, FileArray | None]] = [
            (0, text, offsets, self._text_file)]
        self._part_starts = np.zeros(1, dtype=np.int64)
        self._live_articles: np.ndarray | None = None
        self._tables: list[PassageTable] = [self]  # the single tables side by side here

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> PassageTable:
        return cls.from_articles(corpus.articles)

    @classmethod
    def from_articles(
        cls, articles: Sequence[Article], own_terms: Sequence[int] | None = None
    ) -> PassageTable:
        """The table of the articles' citable paragraphs; `own_terms` as the index counted them
        (unknown: every indexed token of a passage counts as its own)."""
        chunks: list[bytes] = []
        offsets = [0]
        article_of: list[int] = []
        number_of: list[int] = []
        for ordinal, _, number, text, _ in citable_paragraphs(articles):
            encoded = text.encode("utf-8")
            chunks.append(encoded)
            offsets.append(offsets[-1] + len(encoded))
            article_of.append(ordinal)
            number_of.append(number)
        return cls(
            [_info(article) for article in articles],
            b"".join(chunks),
            np.asarray(offsets, dtype=np.int64),
            np.asarray(article_of, dtype=np.int32),
            np.asarray(number_of, dtype=np.int32),
            (np.full(len(number_of), ALL_OWN, dtype=np.int32) if own_terms is None
             else np.asarray(own_terms, dtype=np.int32)),
        )

    @classmethod
    def side_by_side(
        cls, tables: Sequence[PassageTable], live_articles: Sequence[np.ndarray | None]
    ) -> PassageTable:
        """Tables one after the other (ordinals run on), with each one's live articles."""
        if len(tables) == 1 and live_articles[0] is None:
            return tables[0]
        article_bases = np.cumsum([0] + [len(t.articles) for t in tables], dtype=np.int64)
        doc_bases = np.cumsum([0] + [len(t) for t in tables], dtype=np.int64)
        table = cls(
            JoinedArticles([t.articles for t in tables]),
            b"", np.zeros(1, dtype=np.int64),
            np.concatenate([t._article_of.astype(np.int32) + int(article_bases[i])
                            for i, t in enumerate(tables)]),
            np.concatenate([np.asarray(t._number_of) for t in tables]),
            np.concatenate([np.asarray(t._own_terms) for t in tables]),
        )
        table._parts = [(int(doc_bases[i]), t._text, t._offsets, t._text_file)
                        for i, t in enumerate(tables)]
        table._tables = list(tables)
        table._part_starts = doc_bases[:-1]
        if len(tables) == 1:
            table._text, table._offsets = tables[0]._text, tables[0]._offsets
            table._text_file = tables[0]._text_file
        if any(live is not None for live in live_articles):
            table._live_articles = np.concatenate([
                np.ones(len(t.articles), dtype=bool) if live is None else np.asarray(live, bool)
                for t, live in zip(tables, live_articles, strict=True)
            ])
        return table

    @classmethod
    def merge(
        cls, tables: Sequence[PassageTable], live_articles: Sequence[np.ndarray | None]
    ) -> PassageTable:
        """One table of the live articles of `tables`, in order (for a merged segment)."""
        articles: list[ArticleInfo] = []
        texts, lengths, article_of, number_of, own_terms = [], [], [], [], []
        for table, live in zip(tables, live_articles, strict=True):
            text = table._text
            if isinstance(text, bytes):
                text = np.frombuffer(text, dtype=np.uint8)
            offsets = np.asarray(table._offsets)
            keep_articles = (np.ones(len(table.articles), bool) if live is None
                             else np.asarray(live, bool))
            keep = keep_articles[np.asarray(table._article_of)] if len(table) else np.zeros(0, bool)
            renumber = np.cumsum(keep_articles) - 1 + len(articles)
            articles.extend(a for a, k in zip(table.articles, keep_articles, strict=True) if k)
            if keep.all():
                texts.append(np.asarray(text[offsets[0]:offsets[-1]]))
            else:
                runs = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
                texts.extend(np.asarray(text[offsets[a]:offsets[b]])
                             for a, b in zip(runs[::2], runs[1::2], strict=True))
            lengths.append(np.diff(offsets)[keep])
            article_of.append(renumber[np.asarray(table._article_of)[keep]])
            number_of.append(np.asarray(table._number_of)[keep])
            own_terms.append(np.asarray(table._own_terms)[keep])
        joined = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        return cls(
            articles,
            np.concatenate(texts).tobytes() if texts else b"",
            np.concatenate(([0], np.cumsum(joined, dtype=np.int64))),
            np.concatenate(article_of).astype(np.int32) if article_of else np.zeros(0, np.int32),
            np.concatenate(number_of).astype(np.int32) if number_of else np.zeros(0, np.int32),
            np.concatenate(own_terms).astype(np.int32) if own_terms else np.zeros(0, np.int32),
        )

    def columns(self) -> tuple[bytes | np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """A single table's text blob, text offsets, article ordinals, paragraph numbers and own
        terms (for merging tables without a copy of the texts)."""
        if len(self._parts) > 1 or self._live_articles is not None:
            raise ValueError("only a single table has columns")
        return self._text, self._offsets, self._article_of, self._number_of, self._own_terms

    @property
    def article_of(self) -> np.ndarray:
        """The article ordinal of every passage."""
        return self._article_of

    def is_live_article(self, ordinal: int) -> bool:
        """Whether the article is part of the collection (not removed or replaced since)."""
        return self._live_articles is None or bool(self._live_articles[ordinal])

    def live_articles(self) -> list[ArticleInfo]:
        """The articles of the collection (removed and replaced ones left out)."""
        if self._live_articles is None:
            return list(self.articles)
        return [a for a, live in zip(self.articles, self._live_articles, strict=True) if live]

    def live_article_count(self) -> int:
        """How many articles are part of the collection (without parsing saved records)."""
        if self._live_articles is None:
            return len(self.articles)
        return int(self._live_articles.sum())

    def live_passage_count(self) -> int:
        """How many passages belong to live articles."""
        if self._live_articles is None:
            return len(self)
        return int(self._live_articles[self._article_of].sum())

    def __len__(self) -> int:
        return len(self._article_of)

    def article_ordinal(self, doc: int) -> int:
        return int(self._article_of[doc])

    def article(self, doc: int) -> ArticleInfo:
        return self.articles[int(self._article_of[doc])]

    def text(self, doc: int) -> str:
        if len(self._parts) == 1:
            text, offsets, file = self._text, self._offsets, self._text_file
        else:
            base, text, offsets, file = self._parts[
                int(np.searchsorted(self._part_starts, doc, "right")) - 1]
            doc -= base
        start, end = int(offsets[doc]), int(offsets[doc + 1])
        if file is not None:
            return file.read_bytes(start, end).decode("utf-8")
        return bytes(text[start:end]).decode("utf-8")

    def passage(self, doc: int) -> PassageRef:
        return PassageRef(self.article(doc), int(self._number_of[doc]), self.text(doc))

    def article_ordinals(self, docs: list[int]) -> list[int]:
        """The article ordinal of each of `docs`, in one array lookup."""
        return [int(a) for a in self._article_of[np.asarray(docs, dtype=np.int64)]] if docs else []

    @cached_property
    def _article_bounds(self) -> np.ndarray:
        # Passages are in article order, so each article's passages are one contiguous run:
        # article a's are bounds[a]:bounds[a + 1].
        return np.searchsorted(self._article_of, np.arange(len(self.articles) + 1)).astype(np.int64)

    def article_passages(self, ordinal: int) -> range:
        """The passages of one article."""
        bounds = self._article_bounds
        return range(int(bounds[ordinal]), int(bounds[ordinal + 1]))

    def article_ranges(self, ordinals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the passages of each of several articles start and stop (`article_passages`
        for many articles at once)."""
        ordinals = np.asarray(ordinals, dtype=np.int64)
        return self._article_bounds[ordinals], self._article_bounds[ordinals + 1]

    def adjacent(self, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passage just before and just after each of `docs` in the same article (-1:
        none): `neighbours` for many passages at once."""
        article_of, last = self._article_of, len(self._article_of) - 1
        own = article_of[docs]
        before, after = docs - 1, docs + 1
        has_before = (before >= 0) & (article_of[np.maximum(before, 0)] == own)
        has_after = (after <= last) & (article_of[np.minimum(after, last)] == own)
        return np.where(has_before, before, -1), np.where(has_after, after, -1)

    def article_digests(self) -> dict[str, str]:
        """A digest of each article's record and citable texts, by article id, to tell what a
        reload added, changed or removed without reading the article files.

        Tables side by side reuse each part's digests (a reload hashes only its new segment).
        """
        digests: dict[str, str] = {}
        ordinal = 0
        for table in self._tables:
            for article_id, digest in table._digest_list:
                if self.is_live_article(ordinal):
                    digests[article_id] = digest
                ordinal += 1
        return digests

    @cached_property
    def _digest_list(self) -> list[tuple[str, str]]:
        """(article id, digest) of every article of a single table, in ordinal order."""
        digests = []
        offsets = self._offsets
        for ordinal, article in enumerate(self.articles):
            digest = hashlib.sha256(repr(article).encode())
            passages = self.article_passages(ordinal)
            if passages:  # the article's texts are one run: read at once
                first = int(offsets[passages.start])
                cuts = np.asarray(offsets[passages.start:passages.stop + 1]).tolist()
                block = (self._text_file.read_bytes(first, cuts[-1]) if self._text_file is not None
                         else bytes(self._text[first:cuts[-1]]))
                for start, end in itertools.pairwise(cuts):
                    digest.update(b"\0" + block[start - first:end - first])
            digests.append((article.id, digest.hexdigest()))
        return digests

    def own_terms(self, docs: Sequence[int] | np.ndarray) -> np.ndarray:
        """How many distinct index tokens each passage's own words give (its first tokens; the
        others are its sub-heading's)."""
        return self._own_terms[np.asarray(docs, dtype=np.int64)]

    def dated_years(self) -> frozenset[int]:
        """The years the articles (live or not) are dated in."""
        return frozenset(article_years(self.articles).tolist()) - {-1}

    def article_dates(self, docs: list[int]) -> dict[int, str | None]:
        """The article date of each of `docs`."""
        return {doc: self.articles[a].date for doc, a in zip(docs, self.article_ordinals(docs), strict=True)}

    def neighbours(self, doc: int) -> list[int]:
        """The passages just before and after `doc` in the same article."""
        passages = self.article_passages(int(self._article_of[doc]))
        return [other for other in (doc - 1, doc + 1) if passages.start <= other < passages.stop]

    # storage ---------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the table into `directory` atomically (a temporary folder renamed into place)."""
        if len(self._parts) > 1 or self._live_articles is not None:
            raise ValueError("only a single table saves; merge() the parts first")
        with atomic_folder(directory) as temporary:
            records = [json.dumps([a.id, a.source, a.title, a.date, a.language, a.source_url,
                                   a.label, a.outlet], ensure_ascii=False).encode("utf-8")
                       for a in self.articles]
            (temporary / ARTICLES).write_bytes(b"".join(records))
            np.save(temporary / "article_offsets.npy", np.asarray(
                list(itertools.accumulate(map(len, records), initial=0)), dtype=np.int64))
            np.save(temporary / "article_year.npy", article_years(self.articles))
            with open(temporary / TEXT, "wb") as text:
                write_blob(text, self._text)
            arrays = dict(zip(
                ARRAYS, (self._offsets, self._article_of, self._number_of, self._own_terms),
                strict=True,
            ))
            for name, values in arrays.items():
                np.save(temporary / name, np.ascontiguousarray(values, dtype=ARRAYS[name]))
            sizes = {p.name: p.stat().st_size for p in temporary.iterdir()}
            manifest = {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                        "passages": len(self), "articles": len(self.articles), "files": sizes,
                        "checksums": file_checksums(temporary, sizes)}
            (temporary / MANIFEST).write_text(json.dumps(sealed(manifest)), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, verifier: Verifier | None = None) -> PassageTable:
        """Memory-map a saved table; raises IndexFormatError naming what is wrong.

        The files' checksums are verified before it returns, or by `verifier` (the caller then
        waits for its verdict before using the table)."""
        names = (ARTICLES, TEXT, *ARRAYS, *ARTICLE_ARRAYS)
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT_NAME or manifest.get("version") != FORMAT_VERSION:
                raise IndexFormatError(f"{directory}: not a passage table of version {FORMAT_VERSION}")
            check_seal(manifest, directory / MANIFEST)
            checksums = {name: str(manifest["checksums"][name]) for name in names}
            for name, size in manifest["files"].items():
                if (directory / name).stat().st_size != size:
                    raise IndexFormatError(f"{directory / name}: truncated or changed")
            (verifier or Verifier(background=False)).submit(directory, checksums)
            text, records = (
                np.memmap(directory / name, dtype=np.uint8, mode="r").view(np.ndarray)
                if manifest["files"][name] else b""
                for name in (TEXT, ARTICLES)
            )
            # Plain ndarray views of the mapped memory: np.memmap's item access is ten times slower.
            offsets, article_of, number_of, own_terms, article_offsets, years = (
                np.load(directory / name, mmap_mode="r", allow_pickle=False).view(np.ndarray)
                for name in (*ARRAYS, *ARTICLE_ARRAYS)
            )
        except IndexFormatError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise IndexFormatError(f"{directory}: unreadable passage table ({error})") from None
        n, n_articles = int(manifest["passages"]), int(manifest["articles"])
        if len(offsets) != n + 1 or any(len(a) != n for a in (article_of, number_of, own_terms)):
            raise IndexFormatError(f"{directory}: passage table arrays disagree with the manifest")
        if (len(article_offsets) != n_articles + 1 or len(years) != n_articles
                or article_offsets[-1] != len(records)):
            raise IndexFormatError(f"{directory}: article records disagree with the manifest")
        articles = SavedArticles(records, article_offsets, years)
        return cls(articles, text, offsets, article_of, number_of, own_terms)
