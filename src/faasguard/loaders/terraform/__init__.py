"""Terraform: a root module (a directory of ``.tf`` files, with the modules it calls
from the tree) or a ``terraform show -json`` plan, loaded into the one model.

One root module is one App, named after its directory. See docs/terraform.md for
what is read and what stays unresolved.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from faasguard.loaders.base import LoadError, LoadOptions, relpath
from faasguard.model import App

__all__ = ["load", "load_plan"]


def load(path: Path, opts: LoadOptions) -> list[App]:
    """A directory of ``.tf`` files, or one ``.tf`` file (its directory is loaded)."""
    from faasguard.loaders.terraform.assemble import load_root

    # absolute, as the root is: every file is named relative to the root
    directory = (path if path.is_dir() else path.parent).absolute()
    return [_contained(directory, opts, lambda: load_root(directory, opts))]


def load_plan(path: Path, opts: LoadOptions) -> list[App]:
    """A plan in JSON (``terraform show -json plan.out > plan.json``)."""
    from faasguard.loaders.terraform.plan import load_plan_file

    path = path.absolute()
    return [_contained(path, opts, lambda: load_plan_file(path, opts))]


def _contained(path: Path, opts: LoadOptions, read: Callable[[], App]) -> App:
    """Input we did not foresee must not end the scan: it becomes a load error that
    names the module, like any unreadable file."""
    try:
        return read()
    except LoadError:
        raise
    except RecursionError:
        raise LoadError(relpath(path, opts.root), "nesting too deep to read") from None
    except Exception as exc:  # reported, and the scan goes on
        raise LoadError(relpath(path, opts.root),
                        f"could not read the Terraform configuration "
                        f"({type(exc).__name__}: {exc})") from exc
