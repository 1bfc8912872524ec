"""The one output layer: every character pipecheck shows a person passes through `neutralise`.

A project can hold any character: an ESC sequence in a folder name clears the screen or hides
every later line (ESC[8m), an OSC in a record's class text retitles the window, a U+202E in a
label name makes a line read in another order than it was written. So, as ruff and git do,
whatever reaches a terminal, a CI log, a Markdown page or an XML report is shown, not obeyed:
C0 controls and DEL become their control pictures (ESC is shown as ␛), C1 controls and the
bidirectional and invisible format characters become `\\u202e`-style escapes, lone surrogates
(bytes of a name that are not UTF-8) become U+FFFD. Newline and tab are kept.

pipecheck's own control sequences (colours, the progress bar's carriage return) are marked with
`control()`: a mark holds a nonce drawn once per process, which no input can guess, and only
`finish()` turns marks into the sequences after everything else was neutralised.

`GuardedStream` is what `pipecheck` puts in place of stdout and stderr: it finishes the text,
falls back to ASCII escapes for characters the stream's encoding cannot show (a cp1252
Windows console, LANG=C), and turns a closed or failing stream into an OutputError naming it.
"""

from __future__ import annotations

import io
import os
import re
import sys
from contextlib import contextmanager

from pipecheck.errors import InputError
from pipecheck.i18n import _

_NONCE = "\ue000" + os.urandom(8).hex()
_MARK = re.compile(re.escape(_NONCE) + r"([0-9a-f]*)\ue001")

BIDI_AND_INVISIBLE = (
    [0x061C, 0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF] + list(range(0x202A, 0x202F)) + list(range(0x2060, 0x2070))
)


def _table() -> dict[int, str]:
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20) if chr(code) not in "\n\t"}
    table[0x7F] = "\u2421"
    table.update({code: f"\\u{code:04x}" for code in range(0x80, 0xA0)})
    table.update({code: f"\\u{code:04x}" for code in BIDI_AND_INVISIBLE})
    table.update({code: "\ufffd" for code in range(0xD800, 0xE000)})
    return table


_TABLE = _table()


def neutralise(text: str) -> str:
    """`text` with every control, bidi override and lone surrogate shown instead of obeyed."""
    return text.translate(_TABLE)


def control(sequence: str) -> str:
    """pipecheck's own control sequence (a colour, a carriage return), let through by `finish()` only."""
    return f"{_NONCE}{sequence.encode('utf-8').hex()}\ue001"


def finish(text: str, controls: bool = True) -> str:
    """The text to show: neutralised, then pipecheck's marked sequences put in (or left out)."""
    text = neutralise(text)
    if _NONCE not in text:
        return text
    return _MARK.sub(lambda mark: bytes.fromhex(mark.group(1)).decode("utf-8") if controls else "", text)


def write_to(stream, text: str) -> None:
    """`text` written to `stream`: a GuardedStream finishes it itself, any other stream gets it finished."""
    stream.write(text if isinstance(stream, GuardedStream) else finish(text))


class OutputError(InputError):
    """The report cannot be written where it goes: the stream is closed, full, or failing."""


def showable(text: str, encoding: str | None) -> str:
    """`text` with the characters `encoding` cannot hold written as escapes (`\\u2265` for ≥)."""
    encoding = encoding or "utf-8"
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        return text
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "backslashreplace").decode("ascii")


class GuardedStream(io.TextIOBase):
    """stdout or stderr as pipecheck writes to it: finished text, shown in its encoding, errors named."""

    def __init__(self, stream, name: str):
        super().__init__()
        self.stream, self.name = stream, name

    def _fail(self, reason: str):
        self._drop_pending()
        return OutputError(_("cannot write to {stream}: {reason}", stream=self.name, reason=reason))

    def _drop_pending(self) -> None:
        """What the stream still buffers goes to /dev/null, so the exit does not fail on it a second time."""
        try:
            descriptor = self.stream.fileno()
        except (AttributeError, OSError, ValueError):
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)

    def write(self, text: str) -> int:
        if self.stream is None:
            raise self._fail(_("it is closed"))
        shown = showable(finish(text), getattr(self.stream, "encoding", None))
        try:
            self.stream.write(shown)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._fail(error.strerror or str(error)) from None
        except ValueError as error:  # a closed file object
            raise self._fail(_("it is closed")) from error
        return len(text)

    def flush(self) -> None:
        if self.stream is None:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._fail(error.strerror or str(error)) from None
        except ValueError as error:
            raise self._fail(_("it is closed")) from error

    def isatty(self) -> bool:
        return self.stream is not None and hasattr(self.stream, "isatty") and self.stream.isatty()

    def fileno(self) -> int:
        if self.stream is None:
            raise OSError(_("{stream} is closed", stream=self.name))
        return self.stream.fileno()

    @property
    def buffer(self):
        """The bytes underneath, for a machine protocol (the language server's JSON-RPC), not for people."""
        if self.stream is None:
            raise self._fail(_("it is closed"))
        return self.stream.buffer

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def close(self) -> None:  # the real stream stays open: it is Python's, not ours
        pass


@contextmanager
def guarded_output():
    """stdout and stderr replaced by GuardedStreams while a command runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = GuardedStream(saved[0], "stdout"), GuardedStream(saved[1], "stderr")
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
