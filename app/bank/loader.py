"""Read one question bank file: YAML → validated BankFile, with line numbers for every error."""

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.bank.schema import BankFile

MAX_FILE_BYTES = 5 * 1024 * 1024


class _BankLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so the schema judges them (2023-02-30 included)."""


def _as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)  # the timestamp tag is only ever given to scalars
    return loader.construct_scalar(node)


_BankLoader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)


@dataclass
class BankFileError(Exception):
    """What is wrong, and where: file, line (1-based) and the field's path."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class Locator:
    """Maps a field path such as ('paragraphs', 2, 'text') to its line in the file."""

    def __init__(self, root: yaml.Node):
        self.root = root

    def line(self, loc: tuple) -> int:
        node = self.root
        for part in loc:
            child = None
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
            if child is None:
                break
            node = child
        return node.start_mark.line + 1


def _check_duplicate_keys(node: yaml.Node, path: Path) -> None:
    # PyYAML keeps the last of two equal keys silently; in a bank file that hides a typo.
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for key, value in node.value:
            if key.value in seen:
                raise BankFileError(path, key.start_mark.line + 1, f"key {key.value!r} appears twice")
            seen.add(key.value)
            _check_duplicate_keys(value, path)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, path)


def _format_loc(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def load(path: Path) -> tuple[BankFile, Locator]:
    """The validated content of `path`; BankFileError names the line of the first problem."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BankFileError(path, 1, f"cannot read: {exc.strerror}") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise BankFileError(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BankFileError(path, line, "not UTF-8 text") from exc
    loader = _BankLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise BankFileError(path, 1, "file is empty")
        _check_duplicate_keys(root, path)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise BankFileError(path, line, f"not valid YAML: {exc.problem or exc.context}") from exc
    except yaml.YAMLError as exc:
        raise BankFileError(path, 1, f"not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise BankFileError(path, 1, "nested too deeply") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise BankFileError(path, root.start_mark.line + 1, "the file must be a mapping of sections, e.g. 'paragraphs:'")
    locator = Locator(root)
    try:
        return BankFile.model_validate(data), locator
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise BankFileError(path, locator.line(loc), f"{_format_loc(loc)}: {first['msg']}") from exc
