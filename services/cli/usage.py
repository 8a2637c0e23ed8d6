"""The error for bad command-line input: one line on stderr, exit code 2."""


class UsageError(Exception):
    pass
