"""Errors the CLI turns into one line on stderr and exit status 2."""


class UsageError(Exception):
    """Bad usage of a subcommand: a bad argument, an unreadable input file."""
