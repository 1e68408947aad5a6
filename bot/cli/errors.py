"""Errors the CLI turns into one line on stderr and exit status 2."""

from kilde.corpus.errors import KildeError


class UsageError(KildeError):
    """Bad usage of a subcommand: a bad argument, an unreadable input file."""
