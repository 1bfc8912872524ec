"""Run the TensorFlow subprocess: its output to a log file, each line to a callback, Ctrl-C handled.

The child runs in its own session so that a Ctrl-C in the terminal reaches pipecheck only:
pipecheck then sends the child exactly one SIGINT, which the launcher turns into "save the
step reached and exit". A second Ctrl-C terminates the child, a third kills it. On Linux the
child is also told to stop if pipecheck itself dies. When `on_tick` returns True (the
watchdog saw the loss turn NaN), the child is terminated at once, without saving.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pipecheck.i18n import _
from pipecheck.wrappers.launcher import RESULT_PREFIX


@dataclass
class Finished:
    returncode: int
    interrupted: bool
    result: dict | None
    seconds: float
    tail: list[str]


def _die_with_parent() -> None:  # pragma: no cover (runs in the child)
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def supervise(
    command: list[str],
    env: dict[str, str],
    cwd: Path,
    log_path: Path,
    on_line=None,
    on_tick=None,
    tick_seconds: float = 0.5,
    stop_grace: float = 120.0,
    pass_fds: tuple[int, ...] = (),
) -> Finished:
    """Run `command`, appending its merged output to `log_path`; return how it ended. The child inherits
    the descriptors `pass_fds`."""
    started = time.monotonic()
    child = Child(command, env, cwd, log_path, on_line, pass_fds)
    interrupts, stopping_since = 0, None
    while child.process.poll() is None:
        try:
            if on_tick is not None and on_tick() and interrupts < 2:
                interrupts = 2  # nothing worth saving: terminate
                _stop(child.process, interrupts)
            time.sleep(tick_seconds)
            if stopping_since is not None and interrupts == 1 and time.monotonic() - stopping_since > stop_grace:
                interrupts = 2  # the child did not stop by itself in time
                _stop(child.process, interrupts)
        except KeyboardInterrupt:
            interrupts += 1
            stopping_since = stopping_since or time.monotonic()
            _stop(child.process, interrupts)
    child.wait()
    if on_tick is not None:
        on_tick()
    return child.finished(interrupts > 0, time.monotonic() - started)


class Child:
    """A launcher subprocess in its own session: its output appended to a log, each line to `on_line`.

    Keeps the last 60 lines and the `pipecheck-result:` line's value. Used for one training and
    for each worker of a local cluster (workers.py).
    """

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, log_path: Path, on_line=None, pass_fds=()):
        self.tail: list[str] = []
        self.result: dict | None = None
        from pipecheck.folders import open_log

        self.log = open_log(log_path, cwd)  # the guarded writer's: no link followed inside the project
        try:
            self.process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
                bufsize=1,
                start_new_session=True,
                pass_fds=pass_fds,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        except BaseException:
            self.log.close()
            raise
        self.reader = threading.Thread(target=self._pump, args=(on_line,), daemon=True)
        self.reader.start()

    def _pump(self, on_line) -> None:
        for line in self.process.stdout:
            self.log.write(line)
            self.log.flush()
            if line.startswith(RESULT_PREFIX):
                try:
                    self.result = json.loads(line[len(RESULT_PREFIX) :])
                except ValueError:
                    pass
            self.tail.append(line.rstrip("\n"))
            del self.tail[:-60]
            if on_line is not None:
                on_line(line.rstrip("\n"))

    def wait(self) -> None:
        """Until the process has ended and its last line is read; then the log is closed."""
        self.process.wait()
        self.reader.join(timeout=5)
        self.log.close()

    def finished(self, interrupted: bool, seconds: float) -> Finished:
        return Finished(self.process.returncode, interrupted, self.result, seconds, self.tail)


def _stop(child: subprocess.Popen, interrupts: int) -> None:
    signals = {1: signal.SIGINT, 2: signal.SIGTERM}
    chosen = signals.get(interrupts, signal.SIGKILL)
    if child.poll() is None:
        message = {
            signal.SIGINT: _("stopping: saving the step reached (Ctrl-C again to stop at once)"),
            signal.SIGTERM: _("stopping at once"),
            signal.SIGKILL: _("killing the training process"),
        }
        print("\n" + message[chosen], file=sys.stderr, flush=True)
        try:
            os.killpg(child.pid, chosen)
        except ProcessLookupError:
            pass
