"""Where ``cleaner clean -o`` writes each input's output.

One input and ``-o FILE``: that file. Several inputs (or ``-o`` naming a folder, or ending in
``/``): a folder, where each input keeps its place relative to the inputs' common parent
(``a/x.txt b/x.txt -o out/`` gives ``out/a/x.txt`` and ``out/b/x.txt``) and is named
``<stem>.txt``, or ``<stem>.jsonl`` for JSONL output and for inputs that hold several documents
(JSONL, WARC). Two inputs that would land on one output are refused before anything is cleaned:
nothing is ever overwritten silently.
"""

from __future__ import annotations

import fcntl
import os
import stat as stat_module
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from cleaner.errors import CleanerError
from cleaner.io.atomic import descriptor_named, written_in_place
from cleaner.io.layout import NAME_MAX, fitting_name, message_name
from cleaner.io.writers import atomic_write_text

MULTI_DOCUMENT_KINDS = frozenset({"jsonl", "warc"})
STDIN_NAME = "-"


class OutputNameError(CleanerError):
    """``-o`` cannot hold what the inputs would write (a usage error: nothing is cleaned)."""


class OutputStreamError(CleanerError):
    """Standard output cannot be written (closed, or its disk full): later pieces could not
    go there either, so the run stops."""


@dataclass(frozen=True)
class OutputPlan:
    """Where output goes: stdout (``target`` None), one file, or one file per input."""

    target: Path | None
    per_input: dict[str, Path] | None = None
    """For folder output: input name -> output file."""


def stem_of(name: str) -> str:
    """``page.html`` -> ``page``; ``dump.jsonl.gz`` -> ``dump``; ``README`` -> ``README``."""
    base = os.path.basename(name)
    if base.lower().endswith(".gz"):
        base = base[:-3]
    stem, suffix = os.path.splitext(base)
    return stem if stem and suffix else base


def output_suffix(kind: str | None, output_format: str) -> str:
    if output_format == "jsonl" or kind in MULTI_DOCUMENT_KINDS:
        return ".jsonl"
    return ".md" if output_format == "markdown" else ".txt"


def _names_folder(written: str) -> bool:
    """``-o out/``: the trailing separator says "a folder" even before it exists."""
    return written.endswith(("/", os.sep))


def plan_outputs(
    inputs: Sequence[str],
    written: str | None,
    output_format: str,
    kinds: Sequence[str | None],
    single_file: bool = False,
) -> OutputPlan:
    """Where each input's output goes; :class:`OutputNameError` when ``-o`` cannot hold it.

    ``written`` is ``-o`` as typed (a trailing ``/`` matters); ``kinds`` gives each input's
    kind (see :func:`cleaner.io.readers.detect_kind`). ``single_file`` (for ``--diff``) asks
    for one file whatever the number of inputs.
    """
    if written is None:
        _refuse_stdout_onto_an_input(inputs)
        return OutputPlan(target=None)
    output = Path(written)
    several = len(inputs) > 1
    _check_name_length(output)
    if single_file:
        if output.is_dir():
            raise OutputNameError(f"{output}: is a folder; --diff writes one file")
        if _names_folder(written):
            # A trailing '/' names a folder (as everywhere else in -o): writing a file of
            # that name, as --diff did when it did not exist yet, is not what was asked.
            raise OutputNameError(
                f"{written}: names a folder (it ends in '/'); --diff writes one file: name "
                "the file, without the '/'"
            )
        _refuse_missing_folder(output)
        _refuse_replacing_an_input(output, inputs)
        return OutputPlan(target=output)
    if not (several or output.is_dir() or _names_folder(written)):
        _refuse_missing_folder(output)
        _refuse_replacing_an_input(output, inputs)
        return OutputPlan(target=output)
    if not _names_folder(written) and written_in_place(output):
        # A device, pipe or descriptor (-o /dev/null, /dev/stdout) takes one stream, as
        # standard output does: "is a file, name a folder" would refuse what the user meant.
        # It may still be an input (`-o /dev/stdout 1<> x.txt` writes over x.txt), checked
        # as for one input: this check was skipped with several.
        _refuse_replacing_an_input(output, inputs)
        return OutputPlan(target=output)
    if output.exists() and not output.is_dir():
        raise OutputNameError(
            f"{output}: is a file; several inputs need -o to name a folder "
            "(or write one stream to stdout: > all.jsonl with --format jsonl)"
        )
    if not output.exists() and output.suffix and not _names_folder(written):
        raise OutputNameError(
            f"{output}: several inputs need -o to name a folder, and this looks like a file "
            f"name; end it with '/' ({output}/) to make a folder of that name"
        )
    return OutputPlan(target=output, per_input=_folder_layout(inputs, output, output_format, kinds))


def _refuse_missing_folder(output: Path) -> None:
    """:class:`OutputNameError` when the folder of the one output file does not exist: as
    with the shell's ``>``, ``-o FILE`` writes into a folder that is there. Creating the
    missing ones (as cleaner did) scattered folders on a typo (``-o typo/deeper/x.txt``),
    even ``/nonexistent/dir`` as root. A folder output (``-o out/``) is made, as ``corpus``
    makes OUT: naming a new folder is what the trailing ``/`` asks for."""
    parent = output.parent
    if os.path.lexists(output) or parent.is_dir():
        return
    blocker = next((folder for folder in parent.parents if folder.is_file()), None)
    if parent.is_file() or blocker is not None:
        # Not a missing folder but a file in the way: said by the writability check, with
        # the file named ("notes.txt is a file, not a folder").
        return
    missing = parent
    while not os.path.lexists(missing.parent) and missing.parent != missing:
        missing = missing.parent
    raise OutputNameError(
        f"{output}: no such folder: {missing}; -o FILE writes into an existing folder "
        f"(make it first: mkdir -p {parent})"
    )


def _refuse_replacing_an_input(output: Path, inputs: Sequence[str]) -> None:
    """:class:`OutputNameError` when the one output file is one of the inputs (the same
    path, or reached through a symbolic or hard link: the same device and inode): `clean
    x.txt -o x.txt` cleaned the file in place and the original was lost. Only a regular file
    counts: ``-o /dev/stdout`` may well be the same terminal as an input ``/dev/stdin``.
    Nor does a file the output is added to the end of (`clean x.txt -o /dev/stdout >> x.txt`
    was refused): the one output is written after every input is read whole, so the input
    loses nothing."""
    try:
        target = os.stat(output)
    except OSError:
        return  # not there yet: it cannot be an input
    if not stat_module.S_ISREG(target.st_mode) or _appended_to(output):
        return
    for name in inputs:
        if name != STDIN_NAME and _same_file(output, name):
            raise OutputNameError(
                f"{name}: -o {output} is the input itself, and cleaning would replace it; "
                "choose another output file"
            )


def _refuse_stdout_onto_an_input(inputs: Sequence[str]) -> None:
    """:class:`OutputNameError` when standard output is a regular file that is one of the
    inputs (``clean y.jsonl -f jsonl >> y.jsonl``), as ``cat`` refuses: output written to
    stdout goes out while the input is still read (record by record for JSONL), so each
    record written was read again and the file grew until the disk was full (review)."""
    try:
        target = os.fstat(sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        return
    if not stat_module.S_ISREG(target.st_mode):
        return
    for name in inputs:
        if name == STDIN_NAME:
            continue
        try:
            source = os.stat(name)
        except OSError:
            continue
        if (source.st_dev, source.st_ino) == (target.st_dev, target.st_ino):
            raise OutputNameError(
                f"{name}: standard output is this input file; cleaning would read its own "
                "output back; write to another file (-o, or > another name)"
            )


def _appended_to(output: Path) -> bool:
    """Whether writing ``-o output`` adds to the end of its file rather than replacing it or
    writing over it: a descriptor of this process opened to append (``>> x.txt``; ``1<>
    x.txt`` writes over the file from its start), or a name that is opened to append (a
    file reached through /proc that is not a descriptor open for writing: ``3<x.txt``), as
    :func:`cleaner.io.atomic.replace_with` writes them."""
    descriptor = descriptor_named(output)
    if descriptor is not None:
        try:
            return bool(fcntl.fcntl(descriptor, fcntl.F_GETFL) & os.O_APPEND)
        except OSError:
            return False
    return written_in_place(output)


def _check_name_length(output: Path) -> None:
    for part in output.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            raise OutputNameError(
                f"{part[:40]}...: a name in -o is {size} bytes, longer than the "
                f"{NAME_MAX} a file system allows"
            )


def _folder_layout(
    inputs: Sequence[str], folder: Path, output_format: str, kinds: Sequence[str | None]
) -> dict[str, Path]:
    files = [os.path.abspath(name) for name in inputs if name != STDIN_NAME]
    common = os.path.commonpath([os.path.dirname(path) for path in files]) if files else ""
    layout: dict[str, Path] = {}
    owner: dict[Path, str] = {}
    for name, kind in zip(inputs, kinds, strict=True):
        suffix = output_suffix(kind, output_format)
        if name == STDIN_NAME:
            place = folder / f"stdin{suffix}"
        else:
            relative = os.path.relpath(os.path.abspath(name), common)
            place = folder / os.path.dirname(relative) / fitting_name(stem_of(name) + suffix)
        if name != STDIN_NAME and _same_file(place, name):
            raise OutputNameError(
                f"{name}: its output would replace the input itself; choose another -o folder"
            )
        if place in owner:
            raise OutputNameError(
                f"{owner[place]} and {name} would both be written to {place}; "
                "rename one, or clean them in separate runs"
            )
        owner[place] = name
        layout[name] = place
    return layout


def _same_file(place: Path, name: str) -> bool:
    try:
        return os.path.samefile(place, name)
    except OSError:  # the output does not exist yet (or the input is gone): not the same
        return False


def headed(piece: str, header: str | None) -> str:
    """A document's output under its ``==> name <==`` line (when it has one), ending in a
    newline so that the next header starts a line of its own."""
    if header is None:
        return piece
    # Escaped as message lines are: a name holding a newline split the header in two.
    return f"==> {message_name(header)} <==\n{piece}" + ("" if piece.endswith("\n") else "\n")


class OutputWriter:
    """Takes each input's pieces, in input order, to a stream, one file, or one file per
    input (written when the input is done). A file that cannot be written is reported through
    ``report`` and counted as a failure; the other outputs are still written."""

    def __init__(
        self, plan: OutputPlan, stream: TextIO | None, report: Callable[[str], None]
    ) -> None:
        self.plan = plan
        self.stream = stream
        self.report = report
        self.collected: list[str] = []

    def start(self) -> Callable[[str, str | None], None]:
        """Where the next input's pieces (text, header or None) go."""
        if self.plan.target is None:
            return self._emit
        if self.plan.per_input is not None:
            self.collected = []
        return lambda piece, header: self.collected.append(headed(piece, header))

    def finish(self, name: str, failures: int) -> int:
        """An input is done: write its file (unless it failed and has nothing to show).
        Returns 1 if the file could not be written, else 0."""
        per_input = self.plan.per_input
        if per_input is not None and (self.collected or not failures):
            return self._write(per_input[name], "".join(self.collected), through_links=False)
        return 0

    def close(self) -> int:
        if self.plan.target is not None and self.plan.per_input is None and self.collected:
            return self._write(self.plan.target, "".join(self.collected))
        return 0

    def _emit(self, piece: str, header: str | None) -> None:
        if self.stream is None:  # started with standard output closed (`cleaner ... >&-`)
            raise OutputStreamError("standard output is closed; nothing can be written to it")
        try:
            self.stream.write(headed(piece, header))
            self.stream.flush()
        except BrokenPipeError:
            raise  # the reader left (`| head`): not a failure, the command stops quietly
        except OSError as exc:
            raise OutputStreamError(
                f"cannot write to standard output: {exc.strerror or exc}"
            ) from exc

    def _write(self, path: Path, text: str, *, through_links: bool = True) -> int:
        try:
            atomic_write_text(path, text, through_links=through_links)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            blocker = next((p for p in reversed(path.parents) if _is_file(p)), None)
            if blocker is not None:  # mkdir says "File exists" of the file in the way
                reason = f"{blocker} is a file, not a folder"
            self.report(f"cleaner: {message_name(str(path))}: cannot write: {reason}")
            return 1
        return 0


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; False where it cannot be looked at (a folder on the way
    that the user may not enter), which is then not what is in the way."""
    try:
        return path.is_file()
    except OSError:
        return False
