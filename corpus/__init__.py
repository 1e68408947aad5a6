"""The article collection: reading files in the seeds' format into classified paragraphs."""

from kilde.corpus.errors import CorpusError, CorpusFileError, KildeError
from kilde.corpus.model import Article, Corpus, CorpusProblem, Paragraph, ParagraphKind
from kilde.corpus.reader import load_corpus, parse_article, read_article

__all__ = [
    "Article",
    "Corpus",
    "CorpusError",
    "CorpusFileError",
    "CorpusProblem",
    "KildeError",
    "Paragraph",
    "ParagraphKind",
    "load_corpus",
    "parse_article",
    "read_article",
]
