"""``dataclass`` for the model and the scanner's other records, built in one step.

The standard decorator compiles each generated method (``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``, the order methods) with a
separate ``exec``; for the scanner's ~80 record classes that is most of the time it
takes to import. This decorator lets the standard one do the bookkeeping (fields,
``__slots__``, ``__match_args__``), then writes the same methods with the same
behaviour in a single ``exec`` per class. The result is a real dataclass:
``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work on it.

Modules import it as::

    if TYPE_CHECKING:
        from dataclasses import dataclass
    else:
        from faasguard.model.records import dataclass

so that type checkers see the standard decorator, whose behaviour this one copies.
It supports the options the code base uses: ``frozen``, ``slots``, ``order``, and
fields with ``default``, ``default_factory``, ``repr`` and ``compare``. Anything else
(``__post_init__``, ``init=False`` fields, ``kw_only``, ...) goes to the standard
decorator unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

_SIMPLE_OPTIONS = frozenset({"frozen", "slots", "order", "init", "repr", "eq"})


def dataclass(cls: type | None = None, /, **options: Any) -> Any:
    """Drop-in for ``dataclasses.dataclass`` (see the module docstring)."""

    def wrap(klass: type) -> type:
        return _build(klass, options)

    return wrap if cls is None else wrap(cls)


def _build(cls: type, options: dict[str, Any]) -> type:
    if not _simple(cls, options):
        return dataclasses.dataclass(cls, **options)
    frozen, order = options.get("frozen", False), options.get("order", False)
    own_hash = cls.__dict__.get("__hash__", dataclasses.MISSING)
    explicit_hash = not (own_hash is dataclasses.MISSING
                         or (own_hash is None and "__eq__" in cls.__dict__))
    # A class without a docstring gets its signature as one, which the standard
    # decorator computes with inspect (and a first call compiles tokenize's regexes).
    undocumented = not cls.__doc__
    if undocumented:
        cls.__doc__ = cls.__name__
    # The standard decorator collects the fields, checks them and adds __slots__ and
    # __match_args__; every method it would compile is left to us.
    made: type = dataclasses.dataclass(cls, init=False, repr=False, eq=False,
                                       slots=options.get("slots", False))
    fields = list(dataclasses.fields(made))
    if undocumented:
        made.__doc__ = f"{made.__name__}({', '.join(f.name for f in fields)})"
    slotted = frozen and options.get("slots", False)
    for name, method in _methods(made, fields, frozen, order, slotted).items():
        own = explicit_hash if name == "__hash__" else name in made.__dict__
        if own:
            continue  # the class wrote its own, which the standard decorator keeps too
        if method is not None:
            method.__qualname__ = f"{made.__qualname__}.{name}"
        setattr(made, name, method)
    return made


def _simple(cls: type, options: dict[str, Any]) -> bool:
    """Only options and fields whose behaviour ``_methods`` reproduces."""
    if not set(options) <= _SIMPLE_OPTIONS:
        return False
    if not all(options.get(name, True) for name in ("init", "repr", "eq")):
        return False
    if any("__post_init__" in vars(klass) for klass in cls.__mro__):
        return False
    for klass in cls.__mro__:
        for value in vars(klass).values():
            if isinstance(value, dataclasses.Field) and (
                    not value.init or value.kw_only is True):
                return False
        annotations = vars(klass).get("__annotations__", {})
        if any("InitVar" in str(a) or "KW_ONLY" in str(a) for a in annotations.values()):
            return False
    return True


def _tuple(prefix: str, names: list[str]) -> str:
    return "(" + "".join(f"{prefix}.{name}," for name in names) + ")"


def _source(fields: list[dataclasses.Field[Any]], frozen: bool, order: bool,
            slotted: bool) -> str:
    """The source of a function that makes the class's methods. It depends only on the
    class's shape (field names and options), so classes of the same shape share it,
    and it is the key of the precompiled copy."""
    names = [f.name for f in fields]
    params, body = ["__cls", "__MISSING", "__FrozenInstanceError", "__object"], []
    init = ["self"]
    for f in fields:
        if f.default is not dataclasses.MISSING:
            params.append(f"__default_{f.name}")
            init.append(f"{f.name}=__default_{f.name}")
            value = f.name
        elif f.default_factory is not dataclasses.MISSING:
            params.append(f"__factory_{f.name}")
            init.append(f"{f.name}=__MISSING")
            value = f"__factory_{f.name}() if {f.name} is __MISSING else {f.name}"
        else:
            init.append(f.name)
            value = f.name
        if frozen:
            body.append(f"    __object.__setattr__(self, {f.name!r}, {value})")
        else:
            body.append(f"    self.{f.name} = {value}")
    lines = [f"def __create__({', '.join(params)}):",
             f"  def __init__({', '.join(init)}):", *(body or ["    pass"])]

    shown = [f.name for f in fields if f.repr]
    parts = ", ".join(f"{name}={{self.{name}!r}}" for name in shown)
    lines += ["  def __repr__(self):",
              f"    return self.__class__.__qualname__ + f'({parts})'"]

    compared = [f.name for f in fields if f.compare]
    mine, theirs = _tuple("self", compared), _tuple("other", compared)
    lines += ["  def __eq__(self, other):",
              "    if other.__class__ is self.__class__:",
              f"      return {mine} == {theirs}",
              "    return NotImplemented"]
    made = ["__init__", "__repr__", "__eq__"]
    if order:
        for name, op in (("__lt__", "<"), ("__le__", "<="), ("__gt__", ">"), ("__ge__", ">=")):
            lines += [f"  def {name}(self, other):",
                      "    if other.__class__ is self.__class__:",
                      f"      return {mine} {op} {theirs}",
                      "    return NotImplemented"]
            made.append(name)
    if frozen:
        hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
        field_names = "(" + "".join(f"{name!r}," for name in names) + ")"
        lines += ["  def __hash__(self):",
                  f"    return hash({_tuple('self', hashed)})",
                  "  def __setattr__(self, name, value):",
                  f"    if type(self) is __cls or name in {field_names}:",
                  "      raise __FrozenInstanceError(f'cannot assign to field {name!r}')",
                  "    super(__cls, self).__setattr__(name, value)",
                  "  def __delattr__(self, name):",
                  f"    if type(self) is __cls or name in {field_names}:",
                  "      raise __FrozenInstanceError(f'cannot delete field {name!r}')",
                  "    super(__cls, self).__delattr__(name)"]
        made += ["__hash__", "__setattr__", "__delattr__"]
    if slotted:
        # frozen and slotted: pickled as the list of field values, as the standard
        # decorator does (its __setattr__ refuses the default way of restoring slots)
        lines += ["  def __getstate__(self):",
                  f"    return [{''.join(f'self.{name},' for name in names)}]",
                  "  def __setstate__(self, state):",
                  *(f"    __object.__setattr__(self, {name!r}, state[{index}])"
                    for index, name in enumerate(names)),
                  *([] if names else ["    pass"])]
        made += ["__getstate__", "__setstate__"]
    else:
        # eq without frozen: instances are unhashable, as with the standard decorator
        lines.append("  __hash__ = None")
        made.append("__hash__")
    lines.append(f"  return {{{', '.join(f'{name!r}: {name}' for name in made)}}}")
    return "\n".join(lines) + "\n"


_precompiled: dict[str, dict[str, Callable[..., dict[str, Any]]]] = {}
"""Precompiled factories by defining module, loaded when that module's first class is."""
USED: dict[str, dict[str, None]] = {}
"""The factory sources each module's classes were built with, in this process."""
MISSED: list[str] = []
"""Classes whose methods were compiled at run time, not found precompiled."""


def _factory(source: str, module: str) -> Callable[..., dict[str, Any]] | None:
    table = _precompiled.get(module)
    if table is None:
        import importlib

        try:
            generated = importlib.import_module(f"{__package__}._records.{_file_stem(module)}")
            table = dict(generated.FACTORIES)
        except ImportError:  # not generated (yet): compile at run time
            table = {}
        _precompiled[module] = table
    return table.get(source)


def _file_stem(module: str) -> str:
    return module.replace(".", "_")


def _methods(cls: type, fields: list[dataclasses.Field[Any]], frozen: bool,
             order: bool, slotted: bool) -> dict[str, Callable[..., Any] | None]:
    env: list[Any] = [cls, dataclasses.MISSING, dataclasses.FrozenInstanceError, object]
    for f in fields:
        if f.default is not dataclasses.MISSING:
            env.append(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            env.append(f.default_factory)
    source = _source(fields, frozen, order, slotted)
    USED.setdefault(cls.__module__, {})[source] = None
    factory = _factory(source, cls.__module__)
    if factory is None:
        MISSED.append(f"{cls.__module__}.{cls.__qualname__}")
        namespace: dict[str, Any] = {}
        exec(source, {}, namespace)  # our own generated source, as dataclasses does
        factory = namespace["__create__"]
    return factory(*env)


def write_precompiled(folder: Path) -> int:
    """Write the factories this process built, one module per defining module, into
    ``folder`` (the package ``_factory`` reads), replacing what was there; returns how
    many. ``scripts/gen_records.py`` runs it."""
    for old in folder.glob("faasguard_*.py"):
        old.unlink()
    count = 0
    for module, used in sorted(USED.items()):
        if not module.startswith("faasguard."):
            continue
        sources = list(used)
        out = ['"""Generated by ``python scripts/gen_records.py``; do not edit.',
               "",
               f"The methods of the record classes of ``{module}`` (see records.py),",
               "compiled with the package instead of at every start. A class whose shape",
               'changed is not found here and is compiled at run time: slower, never wrong."""',
               "# ruff: noqa",
               "# mypy: ignore-errors",
               "# fmt: off", ""]
        for index, source in enumerate(sources):
            out.append(source.replace("def __create__(", f"def _f{index}(", 1))
        out.append("FACTORIES = {")
        out += [f"    {source!r}: _f{index}," for index, source in enumerate(sources)]
        out.append("}")
        (folder / f"{_file_stem(module)}.py").write_text("\n".join(out) + "\n",
                                                          encoding="utf-8")
        count += len(sources)
    return count


def import_everything() -> None:
    """Import every module of the scanner, so that every record class is built."""
    import importlib
    import pkgutil

    import faasguard

    for info in pkgutil.walk_packages(faasguard.__path__, "faasguard."):
        if info.name.endswith("__main__") or info.name.startswith("faasguard.runtime"):
            continue
        importlib.import_module(info.name)


PRECOMPILED = Path(__file__).with_name("_records")
