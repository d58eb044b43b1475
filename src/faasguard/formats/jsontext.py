"""Indented JSON text, byte for byte what ``json.dumps(value, indent=2,
ensure_ascii=False)`` writes, several times faster.

With ``indent`` set, the standard library falls back from its C encoder to a
pure-Python one built from nested generators, and a large scan's report spends
about as long in it as in all the rules together. This writer appends pieces to one
list and takes the common cases (strings, flat lists and objects) without a call per
value; strings still go through the standard library's C string encoder.
"""

from __future__ import annotations

from json.encoder import encode_basestring  # the C version where the build has it
from typing import Any

_NEWLINE = tuple("\n" + "  " * level for level in range(64))
"""Line break plus indentation, by nesting level (deeper levels are built on demand)."""


def _newline(level: int) -> str:
    return _NEWLINE[level] if level < len(_NEWLINE) else "\n" + "  " * level


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """Object keys as json.dumps converts them (strings, numbers, booleans, None)."""
    if isinstance(key, str):
        return encode_basestring(key)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return encode_basestring(int.__repr__(key))
    if isinstance(key, float):
        return encode_basestring(_float(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _scalar(value: Any) -> str | None:
    """The text of a scalar, or None for a container (or anything json rejects)."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _item(item: Any, level: int, out: list[str]) -> None:
    """One value inside a container: the common exact types inline, the rest by
    ``_scalar`` (subclasses such as enums) or ``_write`` (containers)."""
    kind = type(item)
    if kind is str:
        out.append(encode_basestring(item))
    elif item is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if item else "false")
    elif kind is int:
        out.append(int.__repr__(item))
    elif kind is dict or kind is list:
        _write(item, level, out)
    else:
        text = _scalar(item)
        if text is None:
            _write(item, level, out)
        else:
            out.append(text)


_KEYS: dict[str, str] = {}
"""Encoded object keys followed by ": ", by key: reports repeat the same few keys."""


def _write(value: Any, level: int, out: list[str]) -> None:
    text = None if type(value) in (dict, list) else _scalar(value)
    if text is not None:
        out.append(text)
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        inner = _newline(level + 1)
        separator = "," + inner
        out.append("[" + inner)
        first = True
        for item in value:
            if not first:
                out.append(separator)
            first = False
            _item(item, level + 1, out)
        out.append(_newline(level) + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = _newline(level + 1)
        separator = "," + inner
        out.append("{")
        lead = inner
        for key, item in value.items():
            prefix = _KEYS.get(key) if type(key) is str else None
            if prefix is None:
                prefix = _key(key) + ": "
                if type(key) is str and len(_KEYS) < 4096:
                    _KEYS[key] = prefix
            out.append(lead + prefix)
            lead = separator
            _item(item, level + 1, out)
        out.append(_newline(level) + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps_indented(value: Any) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, faster."""
    out: list[str] = []
    _write(value, 0, out)
    return "".join(out)
