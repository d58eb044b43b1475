"""Terraform modules: the blocks of one directory, the names they define, and the
resource instances they produce.

A ``Module`` is a directory of ``.tf`` files. It knows its variables (module inputs,
``--param``, ``terraform.tfvars``/``*.auto.tfvars``, defaults), locals, resources, data
sources, outputs and the modules it calls from the tree (``source = "./modules/x"``).
``instances()`` expands ``count``/``for_each`` and evaluates every resource body into a
``LineDict`` (nested blocks become lists of ``LineDict``), which ``resources.py`` reads.
Remote modules (registry, git, http) are never fetched: a diagnostic says so.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faasguard.loaders.base import LoadError, LoadOptions, inside, read_text, relpath
from faasguard.loaders.terraform.expressions import (
    FUNCTIONS,
    Budget,
    Call,
    Evaluator,
    Expr,
    FileText,
    ObjectExpr,
    Traversal,
    render,
    unresolved,
)
from faasguard.loaders.terraform.hcl import Attribute, Block, Body, HclError, parse
from faasguard.loaders.yamlsafe import LineDict, LineList
from faasguard.model import Diagnostic, Location
from faasguard.model.values import Interpolated, Ref, Unresolved

if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same classes, built faster (see faasguard/model/records.py)
    from faasguard.model.records import dataclass

MAX_MODULE_DEPTH = 8
META_ARGUMENTS = frozenset({"count", "for_each", "provider", "depends_on"})
MODULE_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each",
                              "depends_on"})
DATA_POLICY_DOCUMENT = "aws_iam_policy_document"


@dataclass(frozen=True, slots=True)
class Instance:
    """One resource (or data source) instance with its evaluated body."""

    address: str
    """``aws_lambda_function.api``, ``aws_sqs_queue.q[0]``, ``module.m.aws_s3_bucket.b``."""
    type: str
    name: str
    body: LineDict
    loc: Location
    module_dir: str
    """The module's directory relative to the scan root (code paths resolve from it)."""
    provider: str = "aws"
    """Provider configuration it uses: ``aws`` or ``aws.<alias>``."""
    unresolved: str | None = None
    """Why its ``count``/``for_each`` could not be expanded: one instance stands for all."""
    data: bool = False
    provider_line: int | None = None
    region: Any = None
    """The region of the provider configuration it uses, when known."""

    def line(self, key: str) -> int | None:
        return self.body.key_lines.get(key)


class Session:
    """What every module of one root shares: options, diagnostics, evaluation budget."""

    def __init__(self, opts: LoadOptions, root_dir: Path) -> None:
        self.opts = opts
        self.root_dir = root_dir
        self.diagnostics: list[Diagnostic] = []
        self.budget = Budget()
        self.files_read: list[str] = []
        self.root_rel = relpath(root_dir, opts.root)
        """The root module's directory: relative paths in arguments start there."""
        self.provider_regions: Mapping[str, Any] = {}
        self._noted: set[tuple[str, str, int | None]] = set()

    def diag(self, level: str, message: str, file: str, line: int | None) -> None:
        key = (message, file, line)
        if key not in self._noted:
            self._noted.add(key)
            self.diagnostics.append(Diagnostic(level, message, Location(file, line)))


def read_module_files(session: Session, directory: Path) -> list[Body]:
    """Parse every ``.tf`` file of a directory; a file that fails becomes an error
    diagnostic and the others are still read. Raises LoadError when none can be read."""
    bodies: list[Body] = []
    failures: list[LoadError] = []
    paths = sorted(p for p in directory.iterdir() if p.name.endswith(".tf") and p.is_file())
    for path in paths:
        rel = relpath(path, session.opts.root)
        try:
            text = read_text(path, session.opts)
            bodies.append(parse(text, rel))
            session.files_read.append(rel)
        except LoadError as error:
            failures.append(error)
        except HclError as exc:
            failures.append(LoadError(rel, str(exc), exc.line))
        except RecursionError:
            failures.append(LoadError(rel, "nesting too deep to read"))
    if not bodies and failures:
        raise failures[0]
    for failure in failures:
        session.diag("error", failure.message, failure.file, failure.line)
    return bodies


class Module:
    """One module instance: its blocks, the values of its names, its child modules."""

    def __init__(self, session: Session, directory: Path, prefix: str = "",
                 inputs: Mapping[str, Attribute] | None = None,
                 parent: Evaluator | None = None, depth: int = 0,
                 providers: Mapping[str, Any] | None = None,
                 bodies: list[Body] | None = None) -> None:
        self.session = session
        self.directory = directory
        self.rel_dir = relpath(directory, session.opts.root)
        self.prefix = prefix
        self.depth = depth
        self.inputs = inputs or {}
        self.parent = parent
        self.bodies = bodies if bodies is not None else read_module_files(session, directory)
        self.variables: dict[str, Block] = {}
        self.local_attrs: dict[str, Attribute] = {}
        self.resources: dict[str, Block] = {}
        self.data: dict[str, Block] = {}
        self.calls: dict[str, Block] = {}
        self.outputs: dict[str, Block] = {}
        self.provider_blocks: list[Block] = []
        for body in self.bodies:
            self._index(body)
        self._values: dict[str, Any] = {}
        self._busy: set[str] = set()
        self._children: dict[str, Module | Unresolved] = {}
        self._tfvars: dict[str, tuple[Any, str]] | None = None
        self.evaluator = Evaluator(self, session.budget,
                                   functions={**FUNCTIONS, "file": self._file})
        self.providers: Mapping[str, Any] = providers if providers is not None \
            else self._provider_regions()

    def _index(self, body: Body) -> None:
        for block in body.blocks:
            labels = block.labels
            if block.type == "variable" and labels:
                self.variables[labels[0]] = block
            elif block.type == "locals":
                self.local_attrs.update(block.attributes)
            elif block.type == "resource" and len(labels) == 2:
                self.resources[f"{labels[0]}.{labels[1]}"] = block
            elif block.type == "data" and len(labels) == 2:
                self.data[f"{labels[0]}.{labels[1]}"] = block
            elif block.type == "module" and labels:
                self.calls[labels[0]] = block
            elif block.type == "output" and labels:
                self.outputs[labels[0]] = block
            elif block.type == "provider" and labels and labels[0] == "aws":
                self.provider_blocks.append(block)

    @property
    def rel_from_root(self) -> str:
        """This module's directory as ``path.module`` gives it (relative to the root)."""
        root = relpath(self.session.root_dir, self.session.opts.root)
        if root == ".":
            return self.rel_dir
        rel = posixpath.relpath(self.rel_dir, root)
        return rel

    # --- names -----------------------------------------------------------------------

    def _guarded(self, key: str, compute: Any, expr: Expr, line: int | None = None,
                 file: str | None = None) -> Any:
        if key in self._values:
            return self._values[key]
        if key in self._busy:
            self.session.diag("warning", f"{self.prefix}{key} refers to itself (a cycle); "
                              "left unresolved", file or expr.text, line or expr.line)
            return unresolved(expr, f"cycle through {key}")
        self._busy.add(key)
        try:
            value = compute()
        finally:
            self._busy.discard(key)
        self._values[key] = value
        return value

    def reference(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        root = str(expr.root)
        steps = expr.steps
        name = steps[0] if steps and isinstance(steps[0], str) else None
        if root == "var" and name is not None:
            return self.variable(name, expr), 1
        if root == "local" and name is not None:
            attr = self.local_attrs.get(name)
            if attr is None:
                return unresolved(expr, f"local.{name} is not defined"), len(steps)
            file = self._file_of_local(name)
            return self._guarded(f"local.{name}", lambda: self.evaluator.eval(attr.expr),
                                 expr, attr.line, file), 1
        if root in ("each", "count", "self"):
            return unresolved(expr, f"{root} is not known here"), len(steps)
        if root == "path":
            return ("." if name in ("root", "cwd") else self.rel_from_root), 1
        if root == "terraform":
            return unresolved(expr, "terraform.workspace is chosen at run time"), len(steps)
        if root == "module" and name is not None:
            return self._module_output(expr, ev)
        if root == "data":
            return self._data_reference(expr, ev)
        if name is not None and "_" in root:
            return self._resource_reference(f"{root}.{name}", self.resources.get(
                f"{root}.{name}"), expr, ev, 1)
        return unresolved(expr, f"{root} is not a known name"), len(steps)

    def _file_of_local(self, name: str) -> str:
        for body in self.bodies:
            for block in body.blocks:
                if block.type == "locals" and name in block.attributes:
                    return block.file
        return self.rel_dir

    def variable(self, name: str, expr: Expr) -> Any:
        def compute() -> Any:
            if name in self.inputs and self.parent is not None:
                return self.parent.eval(self.inputs[name].expr)
            if not self.prefix and name in self.session.opts.parameters:
                return self.session.opts.parameters[name]
            given = self.tfvars().get(name)
            if given is not None:
                return given[0]
            block = self.variables.get(name)
            if block is None:
                return unresolved(expr, f"var.{name} is not declared")
            default = block.attr("default")
            if default is None:
                return unresolved(expr, f"var.{name} has no default and no value in the tree")
            return self.evaluator.eval(default.expr)
        return self._guarded(f"var.{name}", compute, expr)

    def tfvars(self) -> dict[str, tuple[Any, str]]:
        """Variable values from the root's variable files: ``terraform.tfvars`` and
        ``*.auto.tfvars`` (as Terraform loads them); other ``*.tfvars`` files count when
        there is one, or when they all agree (a value that differs between environment
        files stays unresolved)."""
        if self._tfvars is not None:
            return self._tfvars
        self._tfvars = {}
        if self.prefix:
            return self._tfvars
        files = sorted(p for p in self.directory.iterdir() if p.is_file() and (
            p.name.endswith(".tfvars") or p.name.endswith(".tfvars.json")))
        auto = [p for p in files if p.name in ("terraform.tfvars", "terraform.tfvars.json")
                or p.name.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        other = [p for p in files if p not in auto]
        choices: dict[str, list[tuple[Any, str]]] = {}
        for path in other:
            for key, value in self._read_tfvars(path).items():
                choices.setdefault(key, []).append((value, path.name))
        for key, found in choices.items():
            distinct = {json.dumps(_plain_json(v), sort_keys=True, default=str) for v, _ in found}
            if len(distinct) == 1:
                self._tfvars[key] = found[0]
            else:
                names = ", ".join(n for _, n in found)
                self._tfvars[key] = (Unresolved(f"var.{key}", f"differs between {names}"),
                                     names)
        for path in auto:  # loaded by Terraform itself: they win
            for key, value in self._read_tfvars(path).items():
                self._tfvars[key] = (value, path.name)
        return self._tfvars

    def _read_tfvars(self, path: Path) -> dict[str, Any]:
        rel = relpath(path, self.session.opts.root)
        try:
            text = read_text(path, self.session.opts)
            if path.name.endswith(".json"):
                data = json.loads(text)
                return dict(data) if isinstance(data, dict) else {}
            body = parse(text, rel)
        except LoadError as exc:
            self.session.diag("error", exc.message, exc.file, exc.line)
            return {}
        except HclError as exc:
            self.session.diag("error", str(exc), rel, exc.line)
            return {}
        except (ValueError, RecursionError) as exc:
            self.session.diag("error", f"invalid variables file: {exc}", rel, None)
            return {}
        literal = Evaluator(_NoNames(), self.session.budget)
        return {name: literal.eval(attr.expr) for name, attr in body.attributes.items()}

    def _resource_reference(self, address: str, block: Block | None, expr: Traversal,
                            ev: Evaluator, used: int) -> tuple[Any, int]:
        """``type.name[index].attr`` -> ``Ref`` to the instance's address."""
        if block is None:
            return unresolved(expr, f"{address} is not declared in this module"), \
                len(expr.steps)
        steps = expr.steps[used:]
        full = self.prefix + address
        repeated = block.attr("count") is not None or block.attr("for_each") is not None
        if repeated:
            if steps and isinstance(steps[0], str):
                return unresolved(expr, f"{address} has several instances: an index is "
                                  "needed"), len(expr.steps)
            if not steps:  # all instances, for a splat or a for expression
                return self._all_instances(full, block, expr), used
            key = ev.index(steps[0])
            shown = render(key)
            if shown is None or isinstance(key, Interpolated | Ref):
                return unresolved(expr, f"instance key {steps[0]!s} is not known"), \
                    len(expr.steps)
            full += f"[{shown}]" if isinstance(key, int) else f'["{shown}"]'
            used += 1
            steps = steps[1:]
        if steps and isinstance(steps[0], str):
            return Ref(full, steps[0]), used + 1
        return Ref(full), used

    def _all_instances(self, full: str, block: Block, expr: Traversal) -> Any:
        """A repeated resource named without an index (``aws_x.y``, in a splat or a
        ``for``): the list of its instances when they are known."""
        keys = self.instance_keys(block)
        if keys is None:
            return unresolved(expr, "count/for_each of the resource is not known")
        if block.attr("for_each") is not None:  # a map by each.key
            mapping = LineDict(expr.line)
            for suffix, bound in keys:
                key = str(bound["each"]["key"])
                mapping[key] = Ref(full + suffix)
                mapping.key_lines[key] = expr.line
            return mapping
        out = LineList(expr.line)
        for suffix, _ in keys:
            out.append(Ref(full + suffix))
            out.item_lines.append(expr.line)
        return out

    def _data_reference(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        steps = expr.steps
        if len(steps) < 2 or not all(isinstance(s, str) for s in steps[:2]):
            return unresolved(expr, "incomplete data reference"), len(steps)
        dtype, dname = str(steps[0]), str(steps[1])
        address = f"{dtype}.{dname}"
        block = self.data.get(address)
        if block is None:
            return unresolved(expr, f"data.{address} is not declared in this module"), \
                len(steps)
        attr = steps[2] if len(steps) > 2 and isinstance(steps[2], str) else None
        if dtype == DATA_POLICY_DOCUMENT and attr in ("json", "minified_json") \
                and block.attr("count") is None and block.attr("for_each") is None:
            from faasguard.loaders.terraform.iam import policy_document_data

            doc = self._guarded(f"data.{address}", lambda: policy_document_data(
                self.body_of(block, self.evaluator)), expr)
            return doc, 3
        if dtype == "aws_caller_identity" and attr == "account_id":
            return Interpolated("${AWS::AccountId}"), 3
        if dtype == "aws_region" and attr in ("name", "id", "region"):
            region = self.providers.get(_provider_key(block, self.evaluator))
            if isinstance(region, str) and not isinstance(region, Interpolated):
                return region, 3
            return Interpolated("${AWS::Region}"), 3
        if dtype == "aws_partition" and attr == "partition":
            return Interpolated("${AWS::Partition}"), 3
        ref, used = self._resource_reference(address, block, Traversal(
            expr.line, expr.text, root=dtype, steps=steps[1:]), ev, 1)
        if isinstance(ref, Ref):
            ref = Ref("data." + ref.target if not self.prefix else
                      self.prefix + "data." + ref.target[len(self.prefix):], ref.attribute)
        return ref, used + 1

    def _module_output(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        steps = expr.steps
        name = str(steps[0])
        used = 1
        key: str | None = None
        call = self.calls.get(name)
        if call is not None and (call.attr("count") or call.attr("for_each")):
            if len(steps) < 2 or isinstance(steps[1], str):
                return unresolved(expr, f"module.{name} has several instances"), len(steps)
            index = ev.index(steps[1])
            shown = render(index)
            if shown is None:
                return unresolved(expr, "module instance key is not known"), len(steps)
            key = f"[{shown}]" if isinstance(index, int) else f'["{shown}"]'
            used += 1
        child = self.child(name, key)
        if isinstance(child, Unresolved):
            return child, len(steps)
        if len(steps) <= used or not isinstance(steps[used], str):
            return unresolved(expr, "a whole module as a value"), len(steps)
        output = child.outputs.get(str(steps[used]))
        value_attr = output.attr("value") if output is not None else None
        if value_attr is None:
            return unresolved(expr, f"module.{name} has no output {steps[used]}"), len(steps)
        return child._guarded(f"output.{steps[used]}",
                              lambda: child.evaluator.eval(value_attr.expr), expr), used + 1

    def _file(self, ev: Evaluator, expr: Call, args: list[Any]) -> Any:
        """``file(path)``: a file of the scanned tree, relative to the root module as in
        Terraform; never one outside the scan root."""
        path = args[0] if args else None
        if not isinstance(path, str) or isinstance(path, Interpolated):
            return unresolved(expr, "file path is not known")
        target = self.session.root_dir / path
        rel = relpath(target, self.session.opts.root)
        if not inside(target, self.session.opts.root) or not target.is_file():
            return unresolved(expr, f"{path} is not a file in the scanned tree")
        try:
            return FileText(read_text(target, self.session.opts), relpath(
                target.resolve(), self.session.opts.root.resolve()))
        except LoadError as exc:
            return unresolved(expr, f"{rel}: {exc.message}")

    # --- child modules ----------------------------------------------------------------

    def child(self, name: str, key: str | None = None) -> Module | Unresolved:
        cache = f"{name}{key or ''}"
        if cache in self._children:
            return self._children[cache]
        call = self.calls.get(name)
        found = self._make_child(name, call, key) if call is not None else Unresolved(
            f"module.{name}", "module is not declared")
        self._children[cache] = found
        return found

    def _make_child(self, name: str, call: Block, key: str | None) -> Module | Unresolved:
        source_attr = call.attr("source")
        source = self.evaluator.eval(source_attr.expr) if source_attr else None
        line = source_attr.line if source_attr else call.line
        shown = f"module.{name}"
        if not isinstance(source, str) or isinstance(source, Interpolated):
            self.session.diag("warning", f"{shown}: source is not a literal; not read",
                              call.file, line)
            return Unresolved(shown, "module source is not known")
        if not source.startswith(("./", "../")):
            self.session.diag("warning", f"{shown}: module not in the tree ({source}): not read",
                              call.file, line)
            return Unresolved(shown, "module not in the tree")
        directory = (self.directory / source)
        if not inside(directory, self.session.opts.root) or not directory.is_dir():
            self.session.diag("warning", f"{shown}: {source} is not a directory in the scanned "
                              "tree; not read", call.file, line)
            return Unresolved(shown, "module directory not in the scanned tree")
        if self.depth >= MAX_MODULE_DEPTH:
            self.session.diag("warning", f"{shown}: modules nested deeper than "
                              f"{MAX_MODULE_DEPTH} levels; not read", call.file, line)
            return Unresolved(shown, "modules nested too deep")
        bindings: dict[str, Any] = {}
        if key is not None:
            keys = dict(self.instance_keys(call) or [])
            bindings = keys.get(key, {})
        inputs = {n: a for n, a in call.attributes.items() if n not in MODULE_ARGUMENTS}
        try:
            return Module(self.session, directory.resolve(),
                          f"{self.prefix}module.{name}{key or ''}.", inputs,
                          self.evaluator.bind(**bindings), self.depth + 1,
                          self._child_providers(call))
        except LoadError as exc:
            self.session.diag("error", exc.message, exc.file, exc.line)
            return Unresolved(shown, "module could not be read")

    # --- providers ------------------------------------------------------------------

    def _child_providers(self, call: Block) -> Mapping[str, Any]:
        """A module inherits the default providers, or gets those its call passes in
        ``providers = { aws = aws.us }``."""
        passed = call.attr("providers")
        if passed is None or not isinstance(passed.expr, ObjectExpr):
            return self.providers
        regions = dict(self.providers)
        for key_expr, value_expr in passed.expr.items:
            key = key_expr.text.strip().strip('"')
            source = value_expr.text.strip()
            regions[key] = self.providers.get(source)
        return regions

    def _provider_regions(self) -> dict[str, Any]:
        regions: dict[str, Any] = {}
        for block in self.provider_blocks:
            alias = block.attr("alias")
            key = "aws"
            if alias is not None:
                name = self.evaluator.eval(alias.expr)
                key = f"aws.{name}" if isinstance(name, str) else "aws.?"
            region = block.attr("region")
            regions[key] = self.evaluator.eval(region.expr) if region else None
        return regions

    def region_line(self) -> tuple[str, int] | None:
        for block in self.provider_blocks:
            if block.attr("alias") is None and block.attr("region") is not None:
                attr = block.attr("region")
                assert attr is not None
                return block.file, attr.line
        return None

    # --- instances ------------------------------------------------------------------

    def instance_keys(self, block: Block) -> list[tuple[str, dict[str, Any]]] | None:
        """``(address suffix, names bound)`` per instance; None when not known."""
        count = block.attr("count")
        each = block.attr("for_each")
        if count is not None:
            value = self.evaluator.eval(count.expr)
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            return [(f"[{i}]", {"count": {"index": i}}) for i in range(max(0, int(value)))]
        if each is not None:
            value = self.evaluator.eval(each.expr)
            if isinstance(value, Mapping):
                items = list(value.items())
            elif isinstance(value, list | tuple) and all(
                    isinstance(v, str) and not isinstance(v, Interpolated) for v in value):
                items = [(v, v) for v in value]
            else:
                return None
            return [(f'["{k}"]', {"each": {"key": k, "value": v}}) for k, v in items]
        return [("", {})]

    def instances(self) -> Iterator[Instance]:
        """Every resource and data instance of this module and of its child modules."""
        for kinds, is_data in ((self.resources, False), (self.data, True)):
            for address, block in kinds.items():
                yield from self._expand(address, block, is_data)
        for name, call in self.calls.items():
            keys = self.instance_keys(call)
            if keys is None:
                line = (call.attr("count") or call.attr("for_each") or call).line
                self.session.diag("info", f"module.{name}: count/for_each not known; read "
                                  "once with each/count unresolved", call.file, line)
                keys = [("", {"each": _UNKNOWN_EACH, "count": _UNKNOWN_COUNT})]
            for suffix, _ in keys:
                child = self.child(name, suffix or None)
                if isinstance(child, Module):
                    yield from child.instances()

    def _expand(self, address: str, block: Block, is_data: bool) -> Iterator[Instance]:
        keys = self.instance_keys(block)
        reason = None
        if keys is None:
            reason = "count/for_each is not known"
            line = (block.attr("count") or block.attr("for_each") or block).line
            self.session.diag("info", f"{self.prefix}{address}: count/for_each not known; "
                              "read once with each/count unresolved", block.file, line)
            keys = [("", {"each": _UNKNOWN_EACH, "count": _UNKNOWN_COUNT})]
        rtype, name = address.split(".", 1)
        provider = _provider_key(block, self.evaluator)
        for suffix, bindings in keys:
            ev = self.evaluator.bind(**bindings)
            full = f"{self.prefix}{'data.' if is_data else ''}{address}{suffix}"
            provider_attr = block.attr("provider")
            yield Instance(full, rtype, name, self.body_of(block, ev),
                           Location(block.file, block.line), self.rel_dir, provider, reason,
                           is_data, provider_attr.line if provider_attr else None,
                           self.providers.get(provider))

    def body_of(self, block: Block, ev: Evaluator) -> LineDict:
        """A block's attributes and nested blocks, evaluated."""
        out = LineDict(block.line)
        for name, attr in block.attributes.items():
            if name in META_ARGUMENTS:
                continue
            out[name] = ev.eval(attr.expr)
            out.key_lines[name] = attr.line
        for child in block.blocks:
            if child.type == "dynamic" and child.labels:
                self._dynamic(out, child, ev)
                continue
            if child.type == "lifecycle":
                continue
            group = out.get(child.type)
            if not isinstance(group, LineList):
                group = LineList(child.line)
                out[child.type] = group
                out.key_lines[child.type] = child.line
            group.append(self.body_of(child, ev))
            group.item_lines.append(child.line)
        return out

    def _dynamic(self, out: LineDict, block: Block, ev: Evaluator) -> None:
        kind = block.labels[0]
        each = block.attr("for_each")
        content = next(iter(block.children("content")), None)
        iterator = block.attr("iterator")
        name = kind
        if iterator is not None and isinstance(iterator.expr, Traversal) \
                and isinstance(iterator.expr.root, str):
            name = iterator.expr.root
        value = ev.eval(each.expr) if each is not None else None
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        else:
            out.setdefault(kind, Unresolved(f"dynamic {kind}", "for_each is not known"))
            out.key_lines.setdefault(kind, block.line)
            return
        group = out.get(kind)
        if not isinstance(group, LineList):
            group = LineList(block.line)
            out[kind] = group
            out.key_lines[kind] = block.line
        if content is None:
            return
        for key, item in items:
            group.append(self.body_of(content, ev.bind(**{name: {"key": key, "value": item}})))
            group.item_lines.append(content.line)


_UNKNOWN_EACH = {"key": Unresolved("each.key", "for_each is not known"),
                 "value": Unresolved("each.value", "for_each is not known")}
_UNKNOWN_COUNT = {"index": Unresolved("count.index", "count is not known")}


def _provider_key(block: Block, ev: Evaluator) -> str:
    attr = block.attr("provider")
    if attr is None:
        return "aws"
    expr = attr.expr
    if isinstance(expr, Traversal) and isinstance(expr.root, str):
        return ".".join([expr.root, *(s for s in expr.steps if isinstance(s, str))])
    return expr.text.strip()


def _plain_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_json(v) for v in value]
    if isinstance(value, Unresolved | Ref):
        return str(value)
    return value


class _NoNames:
    """Names for ``.tfvars`` files, which may hold only literal values."""

    def reference(self, expr: Traversal, ev: Evaluator) -> tuple[Any, int]:
        return unresolved(expr, "a variables file may hold only literal values"), \
            len(expr.steps)
