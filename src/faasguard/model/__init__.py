"""The one typed model of a serverless app that every loader produces and every rule reads."""

from faasguard.model.nodes import *  # noqa: F403
from faasguard.model.nodes import __all__ as _nodes_all
from faasguard.model.values import as_bool, as_int, as_list, is_unresolved, text

__all__ = [*_nodes_all, "as_bool", "as_int", "as_list", "is_unresolved", "text"]
