"""The index fingerprint follows the code and data that shape an index, with no constant to bump."""

from __future__ import annotations

from pathlib import Path

from kilde.retrieval import fingerprint


def test_the_shaping_files_are_the_analysis_code_and_the_lexicon() -> None:
    covered = {
        path.relative_to(folder.parent).as_posix()
        for folder, pattern in fingerprint.SHAPING_FILES
        for path in folder.glob(pattern)
    }
    for needed in ("corpus/classify.py", "corpus/reader.py", "retrieval/analysis.py",
                   "retrieval/stopwords.py", "retrieval/bridging.py", "retrieval/passages.py",
                   "index/model.py", "data/glossary.tsv", "data/names.tsv"):
        assert any(name.endswith(needed) for name in covered), needed


def test_any_change_to_a_shaping_file_or_the_version_changes_the_digest(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "analysis.py").write_text("STEM = 1\n")
    (code / "notes.txt").write_text("not shaping\n")
    files = [(code, "*.py")]
    before = fingerprint.files_digest(files, "1.0")
    (code / "notes.txt").write_text("changed, but not a shaping file\n")
    assert fingerprint.files_digest(files, "1.0") == before
    assert fingerprint.files_digest(files, "1.1") != before
    (code / "analysis.py").write_text("STEM = 2\n")
    assert fingerprint.files_digest(files, "1.0") != before
    (code / "analysis.py").write_text("STEM = 1\n")
    (code / "compounds.py").write_text("")
    assert fingerprint.files_digest(files, "1.0") != before


def test_the_analysis_fingerprint_includes_the_shaping_digest_and_settings() -> None:
    assert fingerprint.analysis_fingerprint(["variant=okapi"]) != fingerprint.analysis_fingerprint(
        ["variant=plus"]
    )
    assert len(fingerprint.shaping_digest()) == 64
