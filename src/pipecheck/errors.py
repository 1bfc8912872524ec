"""The one kind of error the user is shown as a message (exit 2), never as a traceback."""


class InputError(Exception):
    """Bad input or a refused request: the message says what is wrong and what to do."""
