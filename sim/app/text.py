"""The app's words, looked up in the one word table (:mod:`sim.output.words`) that the report and CLI use.

The language is part of the address (``?lang=en``), so a link shows the
same screen in the same language to a colleague.
"""

from __future__ import annotations

from ..output.words import WORDS, Labels


def text(lang: str, key: str, **values: object) -> str:
    """The word ``key`` in ``lang``, with ``values`` filled in."""
    return Labels(lang).word(key).format(**values)


def lever_label(lang: str, path: str, placement_type: str | None = None) -> str:
    """A lever's label: its own words, the placement type for a price drift, else its path."""
    key = f"parameter_{path}"
    if key in WORDS:
        return text(lang, key)
    return f"{text(lang, 'drift')}: {placement_type}" if placement_type else path
