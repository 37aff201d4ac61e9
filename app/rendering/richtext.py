"""The little structure staff type in an answer — paragraphs, bulleted and numbered lists on two levels, bold,
italic, links — read from the text as data, so both formats draw real lists and nothing typed becomes markup.

The text stays as typed (what the library, search, the personal-data check and the history compare), in the
conventions mail and Word users already write: a line starting "- ", "* ", "• " or "– " is a bullet, "1. " or
"1) " a numbered item (two such lines, so "1. januar" at a line's start stays text), "1.1 " or two leading
spaces the second level; **fed** and *kursiv*; [tekst](https://…) is shown as "tekst (https://…)".
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Item:
    runs: tuple[Run, ...]
    sublist: "ListBlock | None" = None


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[Item, ...]
    start: int = 1  # the number the first item was typed with
    outline: bool = False  # a second level typed as "1.1": shown as "1.1", "1.2" under its item


@dataclass(frozen=True)
class Para:
    runs: tuple[Run, ...]


Block = Para | ListBlock

_BULLET = re.compile(r"(?P<indent>[ \t]*)[-*•–](?:[ \t]+)(?P<text>\S.*)")
_NUMBER = re.compile(r"(?P<indent>[ \t]*)(?P<n>\d{1,3})(?:\.(?P<sub>\d{1,3})\.?|[.)])[ \t]+(?P<text>\S.*)")
# Bounded runs ({1,500}): an unclosed "**" costs one short scan, not one to the end of a 300,000-character text.
_INLINE = re.compile(
    r"\*\*(?P<bold>[^\s*](?:[^\n]{0,498}?[^\s*])?)\*\*"
    r"|(?<![\w*])\*(?P<italic>[^\s*](?:[^\n*]{0,498}?[^\s*])?)\*(?![\w*])"
    r"|\[(?P<label>[^\]\n]{1,300})\]\((?P<url>(?:https?://|mailto:)[^\s)]{1,2000})\)")


def runs(text: str) -> tuple[Run, ...]:
    """A line's text as runs of plain, bold and italic text; a link as its label and address."""
    out: list[Run] = []
    at = 0
    for m in _INLINE.finditer(text):
        if m.start() > at:
            out.append(Run(text[at:m.start()]))
        if m["bold"] is not None:
            out.append(Run(m["bold"], bold=True))
        elif m["italic"] is not None:
            out.append(Run(m["italic"], italic=True))
        else:
            out.append(Run(f"{m['label']} ({m['url']})"))
        at = m.end()
    if at < len(text):
        out.append(Run(text[at:]))
    return tuple(out)


@dataclass
class _Line:
    level: int  # 0 or 1 for list items
    ordered: bool | None  # None: not a list item
    number: int
    text: str
    outline: bool = False


def _line(raw: str, numbered_ok: bool) -> _Line:
    indent = len(raw) - len(raw.lstrip(" \t"))
    level = 1 if indent >= 2 else 0
    if m := _BULLET.fullmatch(raw):
        return _Line(level, False, 1, m["text"])
    if numbered_ok and (m := _NUMBER.fullmatch(raw)):
        if m["sub"] is not None:
            return _Line(1, True, int(m["sub"]), m["text"], outline=True)
        return _Line(level, True, int(m["n"]), m["text"])
    return _Line(0, None, 0, raw.strip())


def _join(lines: list[str]) -> tuple[Run, ...]:
    # Lines of one paragraph or item run together, as a pasted mail's hard-wrapped lines should.
    return runs(" ".join(line.strip() for line in lines if line.strip()))


def _list(items: list[tuple[_Line, list[str], list[tuple[_Line, list[str]]]]]) -> ListBlock:
    built = []
    for head, rest, children in items:
        sub = None
        if children:
            first = children[0][0]
            sub = ListBlock(ordered=bool(first.ordered), start=first.number, outline=first.outline and bool(head.ordered),
                            items=tuple(Item(_join([c.text, *more])) for c, more in children))
        built.append(Item(_join([head.text, *rest]), sub))
    return ListBlock(ordered=bool(items[0][0].ordered), items=tuple(built), start=items[0][0].number)


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple[Block, ...]:
    """One answer paragraph (text between blank lines) as paragraphs and lists."""
    raw_lines = [line for line in text.split("\n") if line.strip()]
    numbered_ok = sum(1 for line in raw_lines if _NUMBER.fullmatch(line)) >= 2
    blocks: list[Block] = []
    para: list[str] = []
    items: list[tuple[_Line, list[str], list[tuple[_Line, list[str]]]]] = []

    def close_para() -> None:
        if para:
            blocks.append(Para(_join(para)))
            para.clear()

    def close_list() -> None:
        if items:
            blocks.append(_list(items))
            items.clear()

    for raw in raw_lines:
        line = _line(raw, numbered_ok)
        if line.ordered is None:
            if items and raw[:1] in " \t":  # an indented line continues the item above it
                children = items[-1][2]
                (children[-1][1] if children else items[-1][1]).append(line.text)
                continue
            close_list()
            para.append(line.text)
            continue
        close_para()
        if line.level == 1 and items:
            items[-1][2].append((line, []))
        elif items and line.ordered != items[0][0].ordered:
            close_list()
            items.append((line, [], []))
        else:
            items.append((line, [], []))
    close_para()
    close_list()
    return tuple(blocks)


def merged(paragraphs: Iterable[T]) -> list[Block | T]:
    """An answer's paragraphs as blocks, other items (tables) kept in place; bullets typed as paragraphs of their
    own (or library paragraphs that are one bullet each) make one list, as a numbered item continuing the number
    before it does."""
    out: list[Block | T] = []
    for paragraph in paragraphs:
        for block in parse(paragraph) if isinstance(paragraph, str) else (paragraph,):
            last = out[-1] if out else None
            if (isinstance(block, ListBlock) and isinstance(last, ListBlock) and block.ordered == last.ordered
                    and (not block.ordered or block.start == last.start + len(last.items))):
                out[-1] = ListBlock(last.ordered, last.items + block.items, last.start, last.outline or block.outline)
            else:
                out.append(block)
    return out


def plain(runs_: tuple[Run, ...]) -> str:
    """The runs' text without emphasis."""
    return "".join(r.text for r in runs_)
