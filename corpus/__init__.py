"""The article collection: reading files in the seeds' format into classified paragraphs."""

from corpus.errors import CorpusError, CorpusFileError
from corpus.model import Article, Corpus, CorpusProblem, Paragraph, ParagraphKind
from corpus.reader import load_corpus, parse_article, read_article

__all__ = [
    "Article", "Corpus", "CorpusError", "CorpusFileError", "CorpusProblem", "Paragraph",
    "ParagraphKind", "load_corpus", "parse_article", "read_article",
]
