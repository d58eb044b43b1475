"""Values found in templates that are not plain data.

Loaders resolve what they can (variables, parameters with defaults, intrinsics over
known resources) into plain Python values. What remains is one of the two types here,
so a rule can tell "the template names another resource" from "we could not tell".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see records.py)
    from faasguard.model.records import dataclass


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A value the loader could not resolve without guessing."""

    expr: str
    """The expression as written, e.g. ``${ssm:/app/key}`` or ``!ImportValue Shared``."""
    reason: str = ""
    """Why it stayed unresolved (remote lookup, missing parameter, cycle, ...)."""

    def __str__(self) -> str:
        return f"<unresolved {self.expr}>"


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to another resource of the same app (``!Ref X``, ``!GetAtt X.Arn``)."""

    target: str
    """The logical id (CloudFormation) or address (Terraform) of the resource."""
    attribute: str | None = None
    """``Arn``, ``Name``, ... for ``GetAtt``; None for a plain ``Ref``."""

    def __str__(self) -> str:
        return f"{self.target}.{self.attribute}" if self.attribute else self.target


def is_unresolved(value: Any) -> bool:
    return isinstance(value, Unresolved)


def text(value: Any) -> str | None:
    """A value as a string when it is one (numbers included), else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def as_bool(value: Any) -> bool | None:
    """Template booleans come as bools or as the strings "true"/"false"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_list(value: Any) -> list[Any]:
    """IAM and template fields accept one value or a list of them."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class Interpolated(str):
    """Text built from a template (``Fn::Sub``, ``Fn::Join``) that names other resources
    or deploy-time pseudo parameters, e.g. ``arn:aws:s3:::${Uploads}/*``.

    It is an ordinary ``str`` whose unknown parts stay as ``${Target}`` /
    ``${Target.Attr}`` / ``${AWS::Region}`` placeholders; ``refs`` lists the resources
    it names. The value is specific (one bucket, one account): a rule must never read a
    placeholder as ``*``. Values that could be anything (a parameter without a default,
    an import) never become ``Interpolated``; they stay ``Unresolved``.
    """

    refs: tuple[Ref, ...]

    def __new__(cls, text: str, refs: tuple[Ref, ...] = ()) -> Interpolated:
        obj = super().__new__(cls, text)
        obj.refs = refs
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Interpolated, (str(self), self.refs))
