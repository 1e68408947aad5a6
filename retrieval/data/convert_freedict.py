"""Convert FreeDict dictd files into Kilde's compact English→Danish/Norwegian TSV lexicons.

Reproduce the shipped data with::

    apt-get install dict-freedict-eng-nor dict-freedict-eng-dan dict-freedict-dan-eng
    python -m kilde.retrieval.data.convert_freedict --out retrieval/data

Inputs (a dictd folder, default /usr/share/dictd): freedict-eng-nor, freedict-eng-dan and
freedict-dan-eng, each an ``.index`` plus a ``.dict.dz`` (dictzip, which gzip reads). dan-eng is
inverted to get English→Danish and merged with eng-dan. Output lines are
``english<TAB>target1|target2|...``, sorted by English key, targets best first, at most
``MAX_TARGETS`` each.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kilde.retrieval.errors import LexiconError

MAX_TARGETS = 6
MAX_KEY_WORDS = 3
MAX_TARGET_WORDS = 3
MAX_CHARS = 40

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_VALUE = {c: i for i, c in enumerate(_B64)}

_SENSE_LINE = re.compile(r"^(\d+)\.\s+(.*)$")
_TRAILING_SENSE_MARK = re.compile(r"\s+\d+\.\s*$")
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}|<[^>]*>")
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2019": "'"})
# A usable term: letters (any script), digits, inner spaces, hyphens, apostrophes, dots.
_TERM = re.compile(r"^[^\W_](?:[\w' .-]*[^\W_])?\.?$")


class ConversionError(LexiconError):
    """A dictd file is missing or malformed; the message names the file."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One dictd article: its headword and translation groups (one group per numbered sense)."""

    headword: str
    senses: tuple[tuple[str, ...], ...]


def decode_b64(text: str) -> int:
    """Decode a dictd index number (base64 digits, most significant first)."""
    value = 0
    for char in text:
        try:
            value = value * 64 + _B64_VALUE[char]
        except KeyError:
            raise ValueError(f"bad dictd base64 number {text!r}") from None
    return value


def read_dictd(index_path: Path, dict_path: Path) -> Iterator[tuple[str, str]]:
    """Yield (index headword, article text) for each non-metadata article of a dictd pair."""
    try:
        if dict_path.suffix == ".dz":
            with gzip.open(dict_path) as compressed:
                data = compressed.read()
        else:
            data = dict_path.read_bytes()
        lines = index_path.read_text(encoding="utf-8").splitlines()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise ConversionError(f"cannot read {index_path.name}/{dict_path.name}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        parts = line.split("\t")
        if len(parts) != 3:
            raise ConversionError(f"{index_path}:{number}: expected 3 tab-separated fields")
        headword, offset, length = parts
        if headword.startswith(("00database", "00-database")):
            continue
        try:
            start, size = decode_b64(offset), decode_b64(length)
        except ValueError as exc:
            raise ConversionError(f"{index_path}:{number}: {exc}") from exc
        if start + size > len(data):
            raise ConversionError(f"{index_path}:{number}: article lies beyond the end of the dict")
        yield headword, data[start : start + size].decode("utf-8")


def clean_term(text: str) -> str | None:
    """Normalise one translation or headword; None when it is not a short plain term."""
    text = _BRACKETED.sub(" ", text.translate(_DASHES))
    text = " ".join(text.split()).strip(" ,;:!?\"'").lower()
    if not text or len(text) > MAX_CHARS or not _TERM.match(text):
        return None
    return text


def _split_terms(line: str) -> tuple[str, ...]:
    # Strip brackets first: hints such as "[sprog, dansk]" hold commas of their own.
    line = _BRACKETED.sub(" ", line.translate(_DASHES))
    terms = (clean_term(part) for part in re.split(r"[,;]", line))
    return tuple(dict.fromkeys(t for t in terms if t and len(t.split()) <= MAX_TARGET_WORDS))


def parse_article(index_headword: str, text: str) -> Entry:
    """Parse a FreeDict article: a header line, then numbered or plain translation lines.

    In WikDict-made dictionaries (eng-nor) each translation line is followed by English gloss
    lines; a translation line is the first body line or one that starts with ``N.`` in column 0.
    """
    lines = [line.rstrip() for line in text.strip("\n").split("\n")]
    header = lines[0]
    # The header is "headword /pronunciation/ <pos>"; the index key has punctuation removed.
    head = re.split(r"\s+[/<]", header, maxsplit=1)[0]
    headword = clean_term(head) or clean_term(index_headword) or ""
    senses: list[tuple[str, ...]] = []
    for position, line in enumerate(lines[1:]):
        match = _SENSE_LINE.match(line)
        if match:
            body = match.group(2)
        elif position == 0:
            body = line
        else:
            continue  # an English gloss, not a translation
        terms = _split_terms(_TRAILING_SENSE_MARK.sub("", body))
        if terms:
            senses.append(terms)
    return Entry(headword, tuple(senses))


def read_entries(folder: Path, name: str) -> list[Entry]:
    """Parse every article of dictd dictionary `name` (e.g. "freedict-eng-nor") in `folder`."""
    index_path, dict_path = folder / f"{name}.index", folder / f"{name}.dict.dz"
    if not dict_path.exists():
        dict_path = folder / f"{name}.dict"
    for path in (index_path, dict_path):
        if not path.exists():
            raise ConversionError(f"{path} not found (install the dict-{name} package?)")
    return [parse_article(head, text) for head, text in read_dictd(index_path, dict_path)]


def _usable_key(word: str) -> bool:
    return bool(word) and len(word.split()) <= MAX_KEY_WORDS


def forward(entries: Sequence[Entry]) -> dict[str, list[str]]:
    """English→target from an eng-xxx dictionary, in article and sense order."""
    table: dict[str, list[str]] = {}
    for entry in entries:
        if not _usable_key(entry.headword):
            continue
        targets = table.setdefault(entry.headword, [])
        for sense in entry.senses:
            targets.extend(t for t in sense if t not in targets)
    return {key: value for key, value in table.items() if value}


def invert(entries: Sequence[Entry]) -> dict[str, list[str]]:
    """English→Danish from dan-eng: a Danish word ranks by how early and how exclusively it
    gives the English word (first sense, first position, fewest alternatives)."""
    ranked: dict[str, dict[str, tuple[int, int, int]]] = {}
    for entry in entries:
        if not entry.headword or len(entry.headword.split()) > MAX_TARGET_WORDS:
            continue
        width = sum(len(sense) for sense in entry.senses)
        for sense_number, sense in enumerate(entry.senses):
            for position, english in enumerate(sense):
                if not _usable_key(english):
                    continue
                rank = (sense_number, position, width)
                slot = ranked.setdefault(english, {})
                if entry.headword not in slot or rank < slot[entry.headword]:
                    slot[entry.headword] = rank
    return {
        english: sorted(slot, key=lambda word: (slot[word], word))
        for english, slot in ranked.items()
    }


def merge(primary: dict[str, list[str]], secondary: dict[str, list[str]]) -> dict[str, list[str]]:
    """Targets both sources agree on first, then the primary's, then the secondary's."""
    merged: dict[str, list[str]] = {}
    for key in primary.keys() | secondary.keys():
        first, second = primary.get(key, []), secondary.get(key, [])
        both = [t for t in first if t in second]
        rest = [t for t in first if t not in both] + [t for t in second if t not in first]
        merged[key] = both + rest
    return merged


def format_tsv(table: dict[str, list[str]], cap: int = MAX_TARGETS) -> str:
    """Render a table as sorted ``english<TAB>a|b|c`` lines (deterministic)."""
    lines = []
    for key in sorted(table):
        targets = [t for t in table[key] if "|" not in t and "\t" not in t][:cap]
        if targets and "\t" not in key:
            lines.append(f"{key}\t{'|'.join(targets)}\n")
    return "".join(lines)


def convert(dictd: Path, out: Path) -> dict[str, int]:
    """Write en-da.tsv and en-no.tsv into `out`; return the number of headwords per file."""
    en_no = forward(read_entries(dictd, "freedict-eng-nor"))
    en_da = merge(
        forward(read_entries(dictd, "freedict-eng-dan")),
        invert(read_entries(dictd, "freedict-dan-eng")),
    )
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, table in (("en-da.tsv", en_da), ("en-no.tsv", en_no)):
        text = format_tsv(table)
        (out / name).write_text(text, encoding="utf-8")
        counts[name] = text.count("\n")
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: convert the dictd folder into TSV files, print one line per file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dictd", nargs="?", type=Path, default=Path("/usr/share/dictd"),
                        help="folder holding the freedict-*.index and .dict.dz files")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent,
                        help="output folder (default: this package's data folder)")
    args = parser.parse_args(argv)
    try:
        counts = convert(args.dictd, args.out)
    except ConversionError as exc:
        print(f"convert_freedict: {exc}", file=sys.stderr)
        return 1
    for name, count in counts.items():
        print(f"{args.out / name}: {count} headwords")
    return 0


if __name__ == "__main__":
    sys.exit(main())
