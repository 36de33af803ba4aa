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
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise refuse(f"not valid TOML: {problem}") from None
    except RecursionError:  # tomllib reads a list or inline table inside another by recursion
        raise refuse(f"not valid TOML: lists or tables nested too deep to read; {what} needs only a few "
                     "levels") from None
