"""The errors pipecheck raises on purpose: shown to the user as a message (exit 2), never as a traceback."""


class InputError(Exception):
    """Bad input or a refused request: the message says what is wrong and what to do."""


class ExtractError(Exception):
    """A schema source that cannot be read (it is skipped, and named if nothing else works)."""
