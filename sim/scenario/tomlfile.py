"""Reading a TOML input file (scenario or experiment) with one clear error for each way it can be unusable.

Planners edit these files by hand, so an empty file, a file saved in the
wrong encoding, a binary file given by mistake and a TOML syntax error each
get a message that says what is wrong and, for syntax, on which line.
"""

from __future__ import annotations

import codecs
import tomllib
from typing import Any

from ..errors import InputError, Problem

MAX_DEPTH = 16
"""The deepest nesting of tables and lists an input file may have. The deepest real one, a dated
decision on a parameter of a service in an experiment's variant
(``variant.changes.timeline.DATE.services.familiehus.places.range``), is 8 deep; a few hundred levels
would make every later step that copies or merges the tables fail by recursion."""


def parse_toml(label: str, raw: bytes, what: str, error: type[InputError] = InputError) -> dict[str, Any]:
    """The tables of the TOML file ``raw``; ``label`` names it and ``what`` says what it should hold.

    Raises ``error`` with one problem naming ``label`` when the bytes are not
    a usable TOML file.
    """
    def refuse(message: str) -> InputError:
        return error([Problem(label, "", message)], f"cannot load {what} {label}")

    if not raw.strip():
        raise refuse(f"the file is empty; {what} needs at least its required fields")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise refuse("the file is saved as UTF-16 (Windows' 'Unicode'); save it as UTF-8")
    if b"\x00" in raw:
        raise refuse(f"this is a binary file, not {what} in TOML")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is harmless
    except UnicodeDecodeError as problem:
        raise refuse(f"not UTF-8 text (byte {problem.start}); save the file as UTF-8") from None
    too_deep = f"tables or lists nested more than {MAX_DEPTH} levels deep; {what} needs only a few levels"
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise refuse(f"not valid TOML: {problem}") from None
    except RecursionError:  # tomllib reads a list or inline table inside another by recursion
        raise refuse(too_deep) from None
    if (path := too_deep_at(tables)) is not None:  # dotted keys and [a.b.c] headers nest without recursion
        raise error([Problem(label, path, too_deep)], f"cannot load {what} {label}")
    return tables


def too_deep_at(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """The dotted path of the first place ``value`` nests deeper than ``limit``, or None.

    Walked with a stack of its own, so a file nested thousands deep is
    measured without the recursion it is refused for.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if len(path) > limit:
            return ".".join(path[:limit + 1]) + "..."
        if isinstance(item, dict):
            stack.extend((child, (*path, str(key))) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend((child, (*path, str(index))) for index, child in enumerate(item))
    return None
