"""Uploads are read in a process of their own, with a CPU-time and a memory limit, and ended past them.

A file of a few kilobytes can cost minutes and gigabytes (a PDF whose ten pages share one 1 MB
content stream; a DOCX of 4 million empty paragraphs). reading.py bounds the work by what it reads;
this bounds what it may cost if a file still finds a way, and keeps it off the worker's GIL.
"""

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from app.bank.old_letters import reading
from app.errors import Unavailable
from app.processes import Processes, process_start, within_cpu

CPU_SECONDS = 5  # a 200-page letter reads in about one
WALL_SECONDS = 9.0  # both tries together, if the first process died under the file
MEMORY_BYTES = 1024 * 1024 * 1024  # address space: the interpreter and its libraries take about 200 MB of it


def _warm() -> None:
    import docx  # noqa: F401 - loaded once per process, not per file
    import pypdf  # noqa: F401


T = TypeVar("T")
READERS = Processes("reader", 1, partial(process_start, _warm, MEMORY_BYTES))


def _within_limits(reader: Callable[[str, bytes], T], name: str, data: bytes) -> tuple[bool, T | str]:
    """In the reader: (True, result) or (False, why), since an UnreadableFile does not travel between processes."""
    try:
        return True, within_cpu(CPU_SECONDS, reader, name, data)
    except reading.UnreadableFile as exc:
        return False, exc.detail
    except MemoryError:
        return False, f"{name}: filen kræver for meget hukommelse at læse"


def _in_reader(reader: Callable[[str, bytes], T], name: str, data: bytes, *, too_slow: str) -> T:
    """`reader(name, data)` in the reader process; past the limits, or unreadable, an UnreadableFile."""
    try:
        ok, result = READERS.run(_within_limits, reader, name, data, timeout=WALL_SECONDS)
    except Unavailable:
        raise reading.UnreadableFile(name, too_slow) from None
    if not ok:
        raise reading.UnreadableFile.with_detail(str(result))
    return result  # type: ignore[return-value]


def read(name: str, data: bytes) -> list[reading.Line]:
    """The lines of an uploaded file, read in the reader process; a file past the limits is an UnreadableFile."""
    return _in_reader(reading.read, name, data, too_slow="filen tager for lang tid at læse; gem den igen fra Word som "
                                                          "DOCX eller PDF, eller del den i mindre filer")


def check_attachment(name: str, data: bytes) -> str:
    """The kind of an attachment ("pdf", "docx", "xlsx"), checked in the reader process as uploads are read."""
    return _in_reader(reading.check_attachment, name, data,
                      too_slow="filen tager for lang tid at læse; gem den igen, eller del den i mindre filer")


def mail_text(name: str, data: bytes) -> str:
    """A saved e-mail as text for the paste parser, read in the reader process within its limits."""
    from app.inquiries import mailfiles

    return _in_reader(mailfiles.to_text, name, data,
                      too_slow="mailen tager for lang tid at læse; gem den igen, eller indsæt teksten")


def mail_id(name: str, data: bytes) -> str | None:
    """A saved e-mail's Message-ID, read in the reader process (an Outlook file is parsed to find it)."""
    from app.inquiries import mailfiles

    return _in_reader(mailfiles.message_id, name, data, too_slow="mailen tager for lang tid at læse")
