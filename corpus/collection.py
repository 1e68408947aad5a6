"""Where the default collection of articles lives, so that `kilde add` never writes into the
installed package.

The working folder's `corpus/articles/` when it has one (a clone of the repository, a project
folder); otherwise the user's data folder, `$XDG_DATA_HOME/kilde/articles/`, created and filled
with the shipped articles the first time it is needed. The shipped articles themselves (package
data, `corpus/articles/` beside this module) are only ever read.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from kilde.corpus.atomic import atomic_folder

logger = logging.getLogger(__name__)

SHIPPED_ARTICLES = Path(__file__).resolve().parent / "articles"
LOCAL_COLLECTION = Path("corpus") / "articles"


def default_collection(data_dir: Path, working_dir: Path | None = None) -> Path:
    """The default corpus folder (see the module docstring); seeded when it does not exist."""
    local = (working_dir or Path.cwd()) / LOCAL_COLLECTION
    if local.is_dir():
        return local
    target = data_dir / "articles"
    if not target.exists():
        try:
            seed(target)
        except OSError as error:
            # The command that needs the folder names it in its one line; nothing is written
            # elsewhere instead.
            logger.info("could not create the default collection %s: %s", target, error)
    return target


def seed(target: Path) -> None:
    """Create `target` holding copies of the shipped articles (all at once, or not at all)."""
    with atomic_folder(target) as temporary:
        for article in sorted(SHIPPED_ARTICLES.glob("*.txt")):
            shutil.copyfile(article, temporary / article.name)
    logger.info("created the default collection %s with the shipped articles", target)
