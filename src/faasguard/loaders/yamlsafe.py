"""Bounded, line-aware YAML and JSON reading.

The scanner reads untrusted files, so this module never constructs arbitrary
objects and bounds everything an input can inflate: bytes, nesting depth, the
size of the document once aliases are expanded ("billion laughs"), and time.

Documents are built from libyaml's event stream with an explicit stack rather
than by PyYAML's recursive composer, which gives us (a) no recursion, so deep
nesting cannot crash the process, (b) a line for every mapping key and list item,
and (c) a count of expanded nodes as we go. CloudFormation short-form tags
(``!Ref``, ``!GetAtt``, ``!Sub`` ...) become their long ``Fn::`` forms.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

try:  # the C parser is 10x faster; fall back to pure Python where libyaml is absent
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]


class YamlLimitError(ValueError):
    """The document exceeds a bound; ``line`` is where we stopped, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class YamlSyntaxError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_depth: int = 200
    max_nodes: int = 2_000_000
    """Nodes after alias expansion: what a consumer walking the document would visit."""
    max_seconds: float = 20.0


DEFAULT_LIMITS = Limits()


class LineDict(dict[Any, Any]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    __slots__ = ("duplicates", "key_lines", "line")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[Any, int] = {}
        self.duplicates: tuple[tuple[Any, int], ...] = ()
        """Set on a document's top mapping only: every key written twice in any mapping
        of the document, with the line of the repeat (the value that wins)."""

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that remembers its own line and each item's line."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


def line_of(container: Any, key: Any = None) -> int | None:
    """Line of ``container[key]`` (or of the container), when the reader recorded it."""
    if key is not None and isinstance(container, LineDict | LineList):
        return container.line_of(key) or None
    return getattr(container, "line", None) or None


# CloudFormation short forms. !GetAtt takes "A.B" or a list; the rest wrap their value.
_CFN_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    "!GetAtt": "Fn::GetAtt",
    **{f"!{n}": f"Fn::{n}" for n in (
        "Sub", "Join", "Select", "Split", "If", "Equals", "And", "Or", "Not", "FindInMap",
        "ImportValue", "Base64", "Cidr", "GetAZs", "Transform", "Length", "ToJsonString",
        "ForEach",
    )},
}

_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_SCALAR_BUILDERS = {
    "tag:yaml.org,2002:null": lambda node: None,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
}


def _build(tag: str, value: str) -> Any:
    build = _SCALAR_BUILDERS.get(tag)
    if build is None:
        return value  # str, timestamps and binary stay text: templates need no more
    return build(yaml.ScalarNode(tag, value))


@lru_cache(maxsize=16384)
def _plain(value: str) -> Any:
    """A plain (unquoted, untagged) scalar's value. It depends on the text alone, and
    the results (str, int, float, bool, None) are immutable: templates repeat the same
    keys and values throughout, so each is resolved once."""
    return _build(_RESOLVER.resolve(yaml.ScalarNode, value, (True, False)), value)


def _tag_wrap(tag: str | None, value: Any, line: int) -> Any:
    if not tag or not tag.startswith("!") or tag == "!":
        return value
    name = _CFN_TAGS.get(tag)
    if name is None:
        return value  # unknown local tag: keep the plain value rather than fail the file
    if name == "Fn::GetAtt" and isinstance(value, str):
        target, _, attr = value.partition(".")
        value = [target, attr]
    wrapped = LineDict(line)
    wrapped[name] = value
    wrapped.key_lines[name] = line
    return wrapped


_BRACKETS = re.compile(r"[^\[\]{}]+")


def _bracket_depth(text: str) -> int:
    """An upper bound on flow-style nesting, cheap enough to run before parsing.

    libyaml slows down badly on very deep flow collections, so a file of
    ``[[[[...`` is refused before the parser sees it. Brackets inside strings
    are counted too, which only ever overestimates.
    """
    only = _BRACKETS.sub("", text)
    if not only:
        return 0
    return max(accumulate(1 if c in "[{" else -1 for c in only))


def load_yaml(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """All documents of a YAML (or JSON) text, with lines, within ``limits``."""
    if len(text) > limits.max_bytes:
        raise YamlLimitError(f"file is larger than {limits.max_bytes} bytes")
    if _bracket_depth(text) > limits.max_depth:
        raise YamlLimitError(f"nesting deeper than {limits.max_depth} levels")
    deadline = time.monotonic() + limits.max_seconds
    docs: list[Any] = []
    # Stack frames: [container, pending_key, key_line, weight, tag, anchor, start_line,
    #                keys written so far (mappings, created on first key)]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int]] = {}
    total = 0
    count = 0
    duplicates: list[tuple[Any, int]] = []

    def add(value: Any, weight: int, line: int) -> None:
        nonlocal total
        total += weight
        if total > limits.max_nodes:
            raise YamlLimitError(
                f"document expands to more than {limits.max_nodes} nodes (alias bomb?)", line)
        if not stack:
            if isinstance(value, LineDict) and duplicates:
                value.duplicates = tuple(duplicates)
            duplicates.clear()
            docs.append(value)
            return
        frame = stack[-1]
        frame[3] += weight
        container = frame[0]
        if container.__class__ is LineList:  # containers are built here: exact classes
            container.append(value)
            container.item_lines.append(line)
        elif frame[1] is _NO_KEY:
            key = value
            if type(key) is not str and isinstance(key, dict | list):
                key = str(key)  # complex keys do not occur in templates; keep them hashable
            frame[1] = key
            frame[2] = line
        else:
            key = frame[1]
            if key == "<<" and isinstance(container, LineDict):
                _merge(container, value)
            else:
                written = frame[7]
                if written is None:
                    written = frame[7] = set()
                if key in written:
                    duplicates.append((key, frame[2]))
                written.add(key)
                container[key] = value
                container.key_lines[key] = frame[2]
            frame[1] = _NO_KEY

    # The event classes are exact (libyaml and the Python parser build these), so a
    # class comparison replaces isinstance; the loop runs once per YAML node.
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    loader = None
    try:
        loader = _EventLoader(text)
        while loader.check_event():
            event: Any = loader.get_event()
            kind = event.__class__
            count += 1
            if count & 0x3FFF == 0 and time.monotonic() > deadline:
                raise YamlLimitError(f"reading took longer than {limits.max_seconds:g} s")
            line = event.start_mark.line + 1 if event.start_mark else 0
            if kind is scalar_event:
                tag = event.tag
                if tag is None or tag == "!":
                    value = _plain(event.value) if event.implicit[0] else event.value
                else:
                    value = _tag_wrap(tag, _build(tag, event.value), line)
                if event.anchor:
                    anchors[event.anchor] = (value, 1)
                add(value, 1, line)
            elif kind is mapping_start or kind is sequence_start:
                if len(stack) >= limits.max_depth:
                    raise YamlLimitError(f"nesting deeper than {limits.max_depth} levels", line)
                container: Any = LineDict(line) if kind is mapping_start else LineList(line)
                stack.append([container, _NO_KEY, 0, 0, event.tag, event.anchor, line, None])
            elif kind in ends:
                frame = stack.pop()
                container, weight, tag, anchor, start = frame[0], frame[3] + 1, *frame[4:7]
                value = _tag_wrap(tag, container, start)
                if anchor:
                    anchors[anchor] = (value, weight)
                # the frame's own weight was counted into `total` as children arrived
                total -= weight - 1
                add(value, weight, start)
            elif kind is alias_event:
                if event.anchor not in anchors:
                    raise YamlSyntaxError(f"unknown alias *{event.anchor}", line)
                value, weight = anchors[event.anchor]
                add(value, weight, line)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(
            f"{exc.problem or exc.context or 'invalid YAML'}".strip(),
            mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0] if str(exc) else "invalid YAML") from None
    finally:
        if loader is not None:
            loader.dispose()
    return docs


class _NoKey:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<no key>"


_NO_KEY = _NoKey()


def _merge(target: LineDict, value: Any) -> None:
    """YAML merge keys (``<<: *defaults``): earlier explicit keys win."""
    sources = value if isinstance(value, list) else [value]
    for source in sources:
        if isinstance(source, dict):
            for key, item in source.items():
                if key not in target:
                    target[key] = item
                    if isinstance(source, LineDict):
                        target.key_lines[key] = source.line_of(key)
