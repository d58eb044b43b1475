"""``faasguard.model.records.dataclass`` behaves as ``dataclasses.dataclass`` does."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping
from typing import Any

import pytest

from faasguard.model.records import dataclass as fast


def _classes(decorate: Any) -> tuple[type, type, type, type]:
    @decorate(frozen=True, slots=True, order=True)
    class Point:
        file: str
        line: int | None = None

    @decorate(frozen=True, slots=True)
    class Base:
        """A base with a default factory and a field left out of eq and repr."""

        id: str
        lines: Mapping[str, int] = dataclasses.field(default_factory=dict, compare=False,
                                                     repr=False)

        def at(self) -> str:
            return self.id

    @decorate(frozen=True, slots=True)
    class Child(Base):
        name: Any = None
        tags: tuple[str, ...] = ()

    @decorate(slots=True)
    class Mutable:
        count: int = 0
        items: list[int] = dataclasses.field(default_factory=list)

    return Point, Base, Child, Mutable


STD = _classes(dataclasses.dataclass)
FAST = _classes(fast)


def _cases(classes: tuple[type, ...]) -> list[Any]:
    point, base, child, mutable = classes
    return [point("a.yml"), point("a.yml", 3), base("x"), base("x", {"id": 2}),
            child("x", {"id": 1}, name="n", tags=("t",)), child("y"), mutable(),
            mutable(2, [1])]


@pytest.mark.parametrize("index", range(8))
def test_same_repr_eq_hash_and_fields(index: int) -> None:
    std, mine = _cases(STD)[index], _cases(FAST)[index]
    assert repr(std) == repr(mine)
    assert dataclasses.is_dataclass(mine)
    assert [f.name for f in dataclasses.fields(std)] == [f.name for f in dataclasses.fields(mine)]
    assert dataclasses.asdict(std) == dataclasses.asdict(mine)
    assert mine == _cases(FAST)[index]
    if std.__hash__ is None:
        assert mine.__hash__ is None
    else:
        assert hash(mine) == hash(_cases(FAST)[index])
    assert type(mine).__slots__ == type(std).__slots__
    assert type(mine).__match_args__ == type(std).__match_args__


def test_compare_false_fields_are_left_out_of_eq_and_hash() -> None:
    _, base, child, _ = FAST
    assert base("x", {"a": 1}) == base("x", {"b": 2})
    assert hash(base("x", {"a": 1})) == hash(base("x"))
    assert base("x") != child("x")  # different classes never compare equal


def test_order_compares_fields_in_order() -> None:
    point = FAST[0]
    assert point("a", 2) < point("a", 3) < point("b", 1)
    assert sorted([point("b"), point("a", 1)]) == [point("a", 1), point("b")]
    with pytest.raises(TypeError):
        _ = point("a") < FAST[1]("a")


def test_frozen_and_replace() -> None:
    _, _, child, mutable = FAST
    node = child("x", name="n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.name = "m"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del node.name  # type: ignore[misc]
    changed = dataclasses.replace(node, name="m")
    assert (changed.name, changed.id, node.name) == ("m", "x", "n")
    assert node.at() == "x"
    box = mutable()
    box.count = 3
    assert box.count == 3 and box.items == [] and box.items is not mutable().items


def test_default_factories_give_fresh_values() -> None:
    base = FAST[1]
    assert base("x").lines is not base("y").lines


def test_arguments_as_the_standard_init_takes_them() -> None:
    for classes in (STD, FAST):
        child = classes[2]
        with pytest.raises(TypeError):
            child()
        with pytest.raises(TypeError):
            child("x", {}, "n", (), "extra")
        assert child(id="x", tags=("a",)).tags == ("a",)


def test_pickles() -> None:
    child = FAST[2]
    node = child("x", {"a": 1}, name="n")
    qualname = child.__qualname__
    globals()["Child"], child.__qualname__ = child, "Child"  # so pickle can find it
    try:
        assert pickle.loads(pickle.dumps(node)) == node
    finally:
        del globals()["Child"]
        child.__qualname__ = qualname


def test_unsupported_options_fall_back_to_the_standard_decorator() -> None:
    @fast(frozen=True)
    class WithPostInit:
        value: int

        def __post_init__(self) -> None:
            object.__setattr__(self, "value", self.value * 2)

    @fast(kw_only=True)
    class KeywordsOnly:
        value: int

    assert WithPostInit(2).value == 4
    assert KeywordsOnly(value=1).value == 1
    with pytest.raises(TypeError):
        KeywordsOnly(1)  # type: ignore[misc]


def test_precompiled_methods_cover_every_record_class() -> None:
    # A record class whose fields changed is compiled at run time, which is correct
    # but costs start-up time; regenerate the precompiled module when this fails.
    from faasguard.model import records

    records.import_everything()
    stale = [name for name in records.MISSED if name.startswith("faasguard.")]
    assert not stale, f"record classes changed: run `python scripts/gen_records.py` ({stale})"
