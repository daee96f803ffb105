"""How ``cleaner clean`` ends when it cannot go on: the output folder it made is not left
behind empty, and a run stopped by an unavailable service says which inputs were written and
which were not, so nothing looks cleaned that was not."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import typer

from cleaner.cli_options import EXIT_SERVICE, EXIT_USAGE, fail
from cleaner.io.atomic import probe_writable, written_in_place
from cleaner.io.layout import message_name
from cleaner.io.naming import OutputPlan

EXIT_INTERRUPTED = 128 + signal.SIGINT
"""The shell's code for Ctrl-C."""
EXIT_TERMINATED = 128 + signal.SIGTERM
"""The shell's code for a process ended by SIGTERM, kept when the run stops cleanly on it."""

_NAMES_SHOWN = 5
"""Inputs named in a stop message; a longer list ends with how many more there are."""


def make_output_folder(plan: OutputPlan) -> list[Path]:
    """Make a folder output's folder; the folders made, outermost first (none when it was
    there already, or when the output is a stream or one file). Refused with rc 2."""
    if plan.per_input is None or plan.target is None:
        return []
    missing = [folder for folder in [plan.target, *plan.target.parents] if not folder.exists()]
    try:
        plan.target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        problem = exc.strerror or str(exc)
        message = f"{plan.target}: cannot make the output folder: {problem}"
        raise fail(message, EXIT_USAGE) from exc
    return list(reversed(missing))


def refuse_unwritable_output(plan: OutputPlan) -> None:
    """Refuse (rc 2, naming the path) an ``-o`` that cannot be written, before any input is
    cleaned: found only at the end, it cost the whole run and exited 1 as if documents had
    failed. Checked the way the output will be written: a file is replaced through a
    temporary file beside it (so its folder, or the nearest one that exists, must take a new
    file, which a probe file tells, as root too; an existing file must be writable by the
    user, and a symbolic link's target folder must exist); a device, pipe or descriptor name
    (``/dev/null``, ``/dev/stdout``) is written into, so it must open for writing. A FIFO is
    not opened (that waits for its reader) and passes when its permissions allow writing."""
    target = plan.target
    if target is None:
        return
    try:
        if plan.per_input is None and written_in_place(target):
            if stat.S_ISFIFO(os.stat(target).st_mode):
                if not os.access(target, os.W_OK):
                    raise PermissionError(13, "Permission denied")
                return
            os.close(os.open(target, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK))
            return
        real = Path(os.path.realpath(target))
        if plan.per_input is not None:
            probe_writable(real)
            return
        # A link is written through, into the file it names, whose folder is not made: a
        # dangling link into a missing folder failed only at the end of the run.
        probe_writable(real.parent, must_exist=os.path.islink(target))
        if real.exists() and not os.access(real, os.W_OK):
            # It could be replaced (a rename needs only its folder), but the user's own
            # permissions say it is not to be written, as the shell's `>` would refuse.
            raise PermissionError(13, "Permission denied (the file is not writable)")
    except OSError as exc:
        problem = exc.strerror or str(exc)
        raise fail(f"{target}: cannot write the output there: {problem}", EXIT_USAGE) from exc


def remove_empty_folders(made: list[Path]) -> None:
    """Remove the folders :func:`make_output_folder` made that hold nothing (a run stopped
    before its first output), innermost first; one that holds anything stays."""
    for folder in reversed(made):
        try:
            folder.rmdir()
        except OSError:
            return  # not empty (or not ours to remove): neither are the ones around it


def _listed(names: list[str]) -> str:
    shown = ", ".join(message_name(name) for name in names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def service_stop(reason: str, names: list[str], done: int, plan: OutputPlan) -> typer.Exit:
    """Exit (rc 3) for a service that stopped the run at ``names[done]``: the reason, then,
    for several inputs, which were written and which were not cleaned."""
    exit_ = fail(reason, EXIT_SERVICE)
    if len(names) > 1:
        where = f" to {plan.target}" if plan.target is not None else ""
        written = f" ({_listed(names[:done])})" if done else ""
        fail(
            f"stopped: {done} of {len(names)} inputs written{where}{written}; not cleaned: "
            f"{_listed(names[done:])}",
            EXIT_SERVICE,
        )
    return exit_


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``, a service manager, a job scheduler's time limit), raised where the
    main process is, as Ctrl-C is. Python's default for SIGTERM ends the process at once,
    running no ``finally``: a corpus run lost the inputs it had finished but not yet
    committed to its manifest (committed in batches, up to a second apart), and the next run
    cleaned them all again. A KeyboardInterrupt, so every path that stops cleanly on Ctrl-C
    does so on SIGTERM too."""


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` in the main thread. A second
    SIGTERM while the first is being handled ends the process at once (Python's default),
    so a stop that hangs can still be ended. Forked workers must restore the default, or
    they would raise it inside their task loop instead of ending."""

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
