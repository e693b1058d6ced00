"""One pass over a module: scopes, import bindings, and the nodes the rules look at.

Rules resolve names, never text: ``V(x)`` is a Variable call when ``V`` is bound by
``from torch.autograd import Variable as V`` in a scope that sees it, and ``Variable(x)`` is
not one when the module defines its own ``Variable``. The walk records, per scope, what each
name is bound to (an import's qualified name, a module-level class, or "something local")
and, in source order, the events (events.py) the flow rules need: assignments, ``.grad``
reads, method calls on names. What it keeps beyond the bindings is decided by ``Filters``,
derived from the selected rules (registry.py). Everything else is one dictionary lookup per
node.
"""

from __future__ import annotations

import ast
import builtins
from typing import NamedTuple

from ..astwalk import FIELDS, child_fields
from .events import BINDING_KINDS, Event, EventKind, position

#: A name bound by something other than an import or a class statement, or bound twice
#: to different things: the linter does not know what it is.
UNKNOWN = None

_BUILTINS = frozenset(dir(builtins))

# Spellings of the same object that the rules compare under one canonical name.
_CANONICAL_PREFIXES = (
    ("torch.autograd.variable.Variable", "torch.autograd.Variable"),
    ("torch.autograd.function.Function", "torch.autograd.Function"),
    ("torch.nn.modules.loss.", "torch.nn."),
    ("torch.nn.modules.activation.", "torch.nn."),
    ("torch.nn.modules.", "torch.nn."),
    ("torch.nn.parameter.Parameter", "torch.nn.Parameter"),
    ("torch.nn.utils.clip_grad.", "torch.nn.utils."),
    ("torch.functional.", "torch."),
    ("torch.utils.data.dataset.", "torch.utils.data."),
    ("torch.serialization.load", "torch.load"),
)


def canonical(qualname: str, _cache: dict[str, str] = {}) -> str:
    result = _cache.get(qualname)
    if result is None:
        result = qualname
        for prefix, replacement in _CANONICAL_PREFIXES:
            if qualname.startswith(prefix):
                result = replacement + qualname[len(prefix):]
                break
        if len(_cache) < 4096:
            _cache[qualname] = result
    return result


class Filters(NamedTuple):
    """Which nodes the walk keeps for the selected rules (derived by registry.py)."""

    #: Attribute names whose calls a rule looks at (calls of plain names are always kept:
    #: an alias such as ``V`` can stand for anything).
    call_attrs: frozenset[str]
    #: Keyword arguments that make any call a candidate (None: ``**kwargs``).
    call_kwargs: frozenset[str | None]
    #: Method calls on a plain name that the flow follows (EventKind.METHOD).
    name_methods: frozenset[str]
    #: The flow event kinds some selected rule reads.
    events: frozenset[EventKind]


class Scope:
    __slots__ = ("kind", "parent", "node", "bindings", "globals", "events", "cache", "module",
                 "_binding_events")

    def __init__(self, kind: str, parent: "Scope | None", node: ast.AST) -> None:
        self.kind = kind  # "module", "function", "class", "lambda", "comprehension"
        self.parent = parent
        self.node = node
        self.bindings: dict[str, object] = {}
        self.globals: set[str] = set()
        #: In source order once the walk is over.
        self.events: list[Event] = []
        self.cache: dict[str, object] = {}
        self.module: Scope = parent.module if parent is not None else self
        self._binding_events: dict[str, list[Event]] | None = None

    def bind(self, name: str, value: object = UNKNOWN) -> None:
        target = self.module if name in self.globals else self
        old = target.bindings.get(name, _MISSING)
        if old is _MISSING:
            target.bindings[name] = value
        elif old is not value and old != value:
            target.bindings[name] = UNKNOWN

    def binding_events(self, name: str) -> list[Event]:
        """The events that bind ``name`` in this scope, in source order; tabled on first
        use, once the walk is over."""
        if self._binding_events is None:
            table: dict[str, list[Event]] = {}
            for event in self.events:
                if event.kind in BINDING_KINDS:
                    table.setdefault(event.name, []).append(event)
            self._binding_events = table
        return self._binding_events.get(name, [])

    def owner(self, name: str) -> "Scope | None":
        """The scope whose binding of ``name`` this scope sees (None: unbound)."""
        scope: Scope | None = self
        first = True
        while scope is not None:
            if name in scope.globals:
                scope = self.module
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            if name in scope.bindings:
                return scope
            first = False
            scope = scope.parent
        return None

    def lookup(self, name: str) -> object:
        """What ``name`` means here: an import's qualified name (str), a ClassDef, UNKNOWN,
        or ``"builtins.<name>"`` when nothing in the module binds it."""
        cached = self.cache.get(name, _MISSING)
        if cached is not _MISSING:
            return cached
        scope: Scope | None = self
        first = True
        result: object = _MISSING
        while scope is not None:
            if name in scope.globals:
                scope = self.module
            if scope.kind == "class" and not first:
                scope = scope.parent
                continue
            if name in scope.bindings:
                result = scope.bindings[name]
                break
            first = False
            scope = scope.parent
        if result is _MISSING:
            result = "builtins." + name if name in _BUILTINS else UNKNOWN
        self.cache[name] = result
        return result


_MISSING = object()
# Bindings are most of the events: made as plain tuples of the Event type, without the
# Python-level ``Event.__new__`` (all fields given, in order).
_event = tuple.__new__
_BIND, _ASSIGN, _AUGASSIGN = EventKind.BIND, EventKind.ASSIGN, EventKind.AUGASSIGN
_NAME, _LOAD, _CONSTANT = ast.Name, ast.Load, ast.Constant
_SCOPE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class ModuleIndex:
    """The result of the single walk: scopes and the candidate nodes of every rule."""

    def __init__(self, tree: ast.Module, filters: Filters,
                 star_bindings: tuple[tuple[str, str], ...] = ()) -> None:
        self.tree = tree
        self.filters = filters
        self._call_attrs = filters.call_attrs
        self._call_kwargs = filters.call_kwargs
        self._name_methods = filters.name_methods
        wanted = filters.events
        self._want_grad = EventKind.GRAD in wanted
        self._want_data_mutation = EventKind.DATA_MUTATION in wanted
        self._want_index0 = EventKind.INDEX0 in wanted
        self._want_dot = EventKind.DOT in wanted
        self._want_print = EventKind.PRINT in wanted
        self._want_percent = EventKind.PERCENT in wanted
        self._want_type_cast = EventKind.TYPE_CAST in wanted
        # ids of ``x[0]`` subscripts that are themselves indexed again (``x.data[0][j]``).
        self._indexed_again: set[int] = set()
        self.module = Scope("module", None, tree)
        self.scopes: list[Scope] = [self.module]
        self.calls: list[tuple[ast.Call, Scope]] = []
        self.imports: list[tuple[ast.AST, Scope]] = []
        self.volatile_attrs: list[tuple[ast.Attribute, Scope]] = []
        self.require_grad_stores: list[tuple[ast.Attribute, Scope]] = []
        self.require_grad_loads = 0
        # ``model.load_state_dict(<arg>)``: ids of the argument nodes, and the plain names.
        self.state_dict_args: set[int] = set()
        self.state_dict_names: set[str] = set()
        self.compares: list[tuple[ast.Compare, Scope]] = []
        self.classes: list[tuple[ast.ClassDef, Scope]] = []
        self.name_loads: dict[str, int] = {}
        self.str_constants: set[str] = set()
        # id(import statement) -> number of statements in its block (LV102 removal).
        self.block_sizes: dict[int, int] = {}
        self.module_aliases: dict[str, list[str]] = {}
        # Names another project module binds and this one gets through ``import *``
        # (project.py): bound first, so that a later binding here makes them unknown.
        for name, value in star_bindings:
            self.module.bind(name, value)
        self._block(tree.body, self.module)
        for scope in self.scopes:
            scope.events.sort(key=position)

    def release(self) -> None:
        """Breaks the module scope's reference to itself, the one cycle an index makes, so
        that the tree is freed by reference counting the moment a check ends: files are
        checked with the garbage collector paused."""
        self.module.module = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ traversal
    def _walk(self, node: ast.AST, scope: Scope) -> None:
        cls = node.__class__
        # The two commonest nodes, a third of all, handled here rather than by a second
        # call (``_name`` takes the stores).
        if cls is _NAME:
            if node.ctx.__class__ is _LOAD:
                loads = self.name_loads
                loads[node.id] = loads.get(node.id, 0) + 1
                return
        elif cls is _CONSTANT:
            value = node.value
            if value.__class__ is str and len(value) < 40:
                self.str_constants.add(value)
            return
        handler = _HANDLERS.get(cls)
        if handler is not None:
            handler(self, node, scope)
            return
        self._children(node, scope)

    def _children(self, node: ast.AST, scope: Scope) -> None:
        walk = self._walk
        for field in FIELDS.get(node.__class__) or child_fields(node.__class__):
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        if item.__class__ is ast.ImportFrom:
                            self.block_sizes[id(item)] = len(value)
                        walk(item, scope)
            elif value is not None and isinstance(value, ast.AST):
                walk(value, scope)

    def _block(self, stmts: list[ast.stmt], scope: Scope) -> None:
        """A statement list; an import's block size decides how LV102 may remove it."""
        for stmt in stmts:
            if stmt.__class__ is ast.ImportFrom:
                self.block_sizes[id(stmt)] = len(stmts)
            self._walk(stmt, scope)

    def _walk_list(self, nodes, scope: Scope) -> None:
        for item in nodes:
            if item is not None:
                self._walk(item, scope)

    def _new_scope(self, kind: str, parent: Scope, node: ast.AST) -> Scope:
        scope = Scope(kind, parent, node)
        self.scopes.append(scope)
        return scope

    def _arguments(self, args: ast.arguments, outer: Scope, inner: Scope) -> None:
        self._walk_list(args.defaults, outer)
        self._walk_list(args.kw_defaults, outer)
        for arg in (*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg):
            if arg is None:
                continue
            inner.bind(arg.arg)
            inner.events.append(_event(Event, ((arg.lineno, arg.col_offset), _BIND, arg.arg, arg,
                                               None, None, False)))
            if arg.annotation is not None:
                self._walk(arg.annotation, outer)

    # ------------------------------------------------------------------ handlers
    def _import(self, node: ast.Import, scope: Scope) -> None:
        for alias in node.names:
            if alias.asname:
                scope.bind(alias.asname, alias.name)
            else:
                root = alias.name.partition(".")[0]
                scope.bind(root, root)
        self.imports.append((node, scope))

    def _import_from(self, node: ast.ImportFrom, scope: Scope) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            scope.bind(bound, f"{module}.{alias.name}" if node.level == 0 else UNKNOWN)
        self.imports.append((node, scope))

    def _function(self, node, scope: Scope) -> None:
        scope.bind(node.name)
        self._walk_list(node.decorator_list, scope)
        if node.returns is not None:
            self._walk(node.returns, scope)
        inner = self._new_scope("function", scope, node)
        self._arguments(node.args, scope, inner)
        self._block(node.body, inner)

    def _lambda(self, node: ast.Lambda, scope: Scope) -> None:
        inner = self._new_scope("lambda", scope, node)
        self._arguments(node.args, scope, inner)
        self._walk(node.body, inner)

    def _class(self, node: ast.ClassDef, scope: Scope) -> None:
        scope.bind(node.name, node if scope.kind == "module" else UNKNOWN)
        self._walk_list(node.decorator_list, scope)
        self._walk_list(node.bases, scope)
        for keyword in node.keywords:
            self._walk(keyword.value, scope)
        if node.bases:
            self.classes.append((node, scope))
        inner = self._new_scope("class", scope, node)
        self._block(node.body, inner)

    def _comprehension(self, node, scope: Scope) -> None:
        inner = self._new_scope("comprehension", scope, node)
        for index, generator in enumerate(node.generators):
            # The first iterable is evaluated in the enclosing scope.
            self._walk(generator.iter, scope if index == 0 else inner)
            self._walk(generator.target, inner)
            self._walk_list(generator.ifs, inner)
        if node.__class__ is ast.DictComp:
            self._walk(node.key, inner)
            self._walk(node.value, inner)
        else:
            self._walk(node.elt, inner)

    def _name(self, node: ast.Name, scope: Scope) -> None:
        # Loads never get here: ``_walk`` counts them. ``del x`` needs the binding as a
        # load does (LV102 must not remove the import it deletes).
        if node.ctx.__class__ is ast.Del:
            self.name_loads[node.id] = self.name_loads.get(node.id, 0) + 1
        scope.bind(node.id)
        scope.events.append(_event(Event, ((node.lineno, node.col_offset), _BIND, node.id, node,
                                           None, None, False)))

    def _global(self, node, scope: Scope) -> None:
        if node.__class__ is ast.Global:
            scope.globals.update(node.names)

    def _except_handler(self, node: ast.ExceptHandler, scope: Scope) -> None:
        if node.name:
            scope.bind(node.name)
        self._children(node, scope)

    def _binop(self, node: ast.BinOp, scope: Scope) -> None:
        left = node.left
        if self._want_percent and node.op.__class__ is ast.Mod \
                and left.__class__ is ast.Constant and left.value.__class__ is str:
            scope.events.append(_event(Event, (
                (node.lineno, node.col_offset), EventKind.PERCENT, None, node, None, None, False
            )))
        self._walk(left, scope)
        self._walk(node.right, scope)

    def _call(self, node: ast.Call, scope: Scope) -> None:
        func = node.func
        cls = func.__class__
        interesting = cls is ast.Name or cls is ast.Call
        if cls is ast.Attribute:
            attr = func.attr
            if attr in self._call_attrs:
                interesting = True
                if attr in self._name_methods and func.value.__class__ is ast.Name:
                    scope.events.append(_event(Event, (
                        (node.lineno, node.col_offset), EventKind.METHOD, func.value.id, node,
                        None, attr, False
                    )))
                elif attr == "type" and self._want_type_cast:
                    scope.events.append(_event(Event, (
                        (node.lineno, node.col_offset), EventKind.TYPE_CAST, None, node, None,
                        None, False
                    )))
            if attr[-1] == "_" and self._want_data_mutation \
                    and func.value.__class__ is ast.Attribute \
                    and func.value.attr == "data" and func.value.value.__class__ is ast.Name:
                scope.events.append(_event(Event, (
                    (node.lineno, node.col_offset), EventKind.DATA_MUTATION, func.value.value.id,
                    node, None, attr, False
                )))
            if attr == "dot":
                if self._want_dot:
                    scope.events.append(_event(Event, (
                        (node.lineno, node.col_offset), EventKind.DOT, None, node, None, None,
                        False
                    )))
            elif attr == "load_state_dict":
                for arg in node.args:
                    self.state_dict_args.add(id(arg))
                    if arg.__class__ is ast.Name:
                        self.state_dict_names.add(arg.id)
        elif cls is ast.Name and func.id == "print" and self._want_print:
            scope.events.append(_event(Event, (
                (node.lineno, node.col_offset), EventKind.PRINT, None, node, None, None, False
            )))
        if not interesting:
            call_kwargs = self._call_kwargs
            for keyword in node.keywords:
                if keyword.arg in call_kwargs:
                    interesting = True
                    break
        if interesting:
            self.calls.append((node, scope))
        self._walk(func, scope)
        for arg in node.args:
            self._walk(arg, scope)
        for keyword in node.keywords:
            self._walk(keyword.value, scope)

    def _attribute(self, node: ast.Attribute, scope: Scope) -> None:
        attr = node.attr
        if attr == "grad" or attr == "requires_grad":
            value = node.value
            if value.__class__ is ast.Name:
                if attr == "grad" and node.ctx.__class__ is ast.Load:
                    if self._want_grad:
                        scope.events.append(_event(Event, (
                            (node.lineno, node.col_offset), EventKind.GRAD, value.id, node, None,
                            None, False
                        )))
                elif attr == "requires_grad" and node.ctx.__class__ is ast.Store:
                    scope.events.append(_event(Event, (
                        (node.lineno, node.col_offset), EventKind.REQUIRES_GRAD_SET, value.id,
                        node, None, None, False
                    )))
        elif attr == "volatile":
            self.volatile_attrs.append((node, scope))
        elif attr == "require_grad":
            if node.ctx.__class__ is ast.Store:
                self.require_grad_stores.append((node, scope))
            else:
                self.require_grad_loads += 1
        self._walk(node.value, scope)

    def _subscript(self, node: ast.Subscript, scope: Scope) -> None:
        index = node.slice
        inner = node.value
        if inner.__class__ is ast.Subscript and self._want_index0:
            self._indexed_again.add(id(inner))
        if node.ctx.__class__ is ast.Load:
            if self._want_index0:
                if index.__class__ is ast.Constant and index.value == 0 \
                        and index.value.__class__ is int:
                    receiver = inner
                    if receiver.__class__ is ast.Attribute and receiver.attr == "data":
                        receiver = receiver.value
                    scope.events.append(_event(Event, (
                        (node.lineno, node.col_offset), EventKind.INDEX0,
                        receiver.id if receiver.__class__ is ast.Name else None, node, None, None,
                        id(node) in self._indexed_again
                    )))
        elif node.ctx.__class__ is ast.Store and self._want_data_mutation:
            if inner.__class__ is ast.Attribute and inner.attr == "data" \
                    and inner.value.__class__ is ast.Name:
                scope.events.append(_event(Event, (
                    (node.lineno, node.col_offset), EventKind.DATA_MUTATION, inner.value.id, node,
                    None, "setitem", False
                )))
        self._walk(inner, scope)
        self._walk(index, scope)

    def _targets(self, target: ast.AST, scope: Scope, key: tuple) -> None:
        cls = target.__class__
        if cls is ast.Name:
            scope.bind(target.id)
            scope.events.append(_event(Event, (key, _BIND, target.id, target, None, None, False)))
        elif cls is ast.Tuple or cls is ast.List:
            for element in target.elts:
                self._targets(element, scope, key)
        elif cls is ast.Starred:
            self._targets(target.value, scope, key)
        else:
            self._walk(target, scope)

    def _assign(self, node: ast.Assign, scope: Scope) -> None:
        value = node.value
        self._walk(value, scope)
        key = (value.end_lineno, value.end_col_offset)
        for target in node.targets:
            if target.__class__ is ast.Name:
                scope.bind(target.id)
                scope.events.append(_event(Event, (key, _ASSIGN, target.id, target, value, None,
                                                   False)))
            else:
                self._targets(target, scope, key)

    def _ann_assign(self, node: ast.AnnAssign, scope: Scope) -> None:
        self._walk(node.annotation, scope)
        if node.value is None:
            if node.target.__class__ is not ast.Name:
                self._walk(node.target, scope)
            else:
                scope.bind(node.target.id)
            return
        self._walk(node.value, scope)
        key = (node.value.end_lineno, node.value.end_col_offset)
        if node.target.__class__ is ast.Name:
            scope.bind(node.target.id)
            scope.events.append(_event(Event, (key, _ASSIGN, node.target.id, node.target,
                                               node.value, None, False)))
        else:
            self._targets(node.target, scope, key)

    def _aug_assign(self, node: ast.AugAssign, scope: Scope) -> None:
        self._walk(node.value, scope)
        key = (node.value.end_lineno, node.value.end_col_offset)
        target = node.target
        if target.__class__ is ast.Name:
            # ``x += y`` reads x too.
            loads = self.name_loads
            loads[target.id] = loads.get(target.id, 0) + 1
            scope.bind(target.id)
            scope.events.append(_event(Event, (key, _AUGASSIGN, target.id, target, node, None,
                                               False)))
        else:
            self._targets(target, scope, key)

    def _for(self, node, scope: Scope) -> None:
        self._walk(node.iter, scope)
        self._targets(node.target, scope, (node.target.lineno, node.target.col_offset))
        self._block(node.body, scope)
        self._block(node.orelse, scope)

    def _compare(self, node: ast.Compare, scope: Scope) -> None:
        if len(node.ops) == 1 and node.ops[0].__class__ in (ast.Eq, ast.NotEq, ast.Is, ast.IsNot):
            self.compares.append((node, scope))
        self._children(node, scope)


# Node class -> handler, as plain functions of the class: a table of bound methods on the
# instance would make every index a reference cycle, and keep each module's whole tree
# alive until the garbage collector finds it.
_HANDLERS = {
    ast.Import: ModuleIndex._import,
    ast.ImportFrom: ModuleIndex._import_from,
    ast.FunctionDef: ModuleIndex._function,
    ast.AsyncFunctionDef: ModuleIndex._function,
    ast.Lambda: ModuleIndex._lambda,
    ast.ClassDef: ModuleIndex._class,
    ast.ListComp: ModuleIndex._comprehension,
    ast.SetComp: ModuleIndex._comprehension,
    ast.GeneratorExp: ModuleIndex._comprehension,
    ast.DictComp: ModuleIndex._comprehension,
    ast.Name: ModuleIndex._name,
    ast.Global: ModuleIndex._global,
    ast.Nonlocal: ModuleIndex._global,
    ast.Call: ModuleIndex._call,
    ast.Attribute: ModuleIndex._attribute,
    ast.Subscript: ModuleIndex._subscript,
    ast.Assign: ModuleIndex._assign,
    ast.AugAssign: ModuleIndex._aug_assign,
    ast.AnnAssign: ModuleIndex._ann_assign,
    ast.For: ModuleIndex._for,
    ast.AsyncFor: ModuleIndex._for,
    ast.Compare: ModuleIndex._compare,
    ast.ExceptHandler: ModuleIndex._except_handler,
    ast.BinOp: ModuleIndex._binop,
}


def qualname(node: ast.AST, scope: Scope) -> str | None:
    """The canonical dotted name an expression stands for, or None."""
    parts = []
    while node.__class__ is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if node.__class__ is not ast.Name:
        return None
    base = scope.lookup(node.id)
    if base.__class__ is not str:
        return None
    if parts:
        parts.reverse()
        base = base + "." + ".".join(parts)
    return canonical(base)


def module_name_for(index: ModuleIndex, scope: Scope, module: str) -> str | None:
    """A name through which ``module`` (e.g. "torch") is reachable from ``scope``."""
    candidates = index.module_aliases.get(module)
    if candidates is None:
        preferred = module.rpartition(".")[2]
        candidates = [name for name, value in index.module.bindings.items() if value == module]
        candidates.sort(key=lambda name: (name != preferred, name))
        index.module_aliases[module] = candidates
    for name in candidates:
        if scope.lookup(name) == module:
            return name
    return None


def imports_torch(index: ModuleIndex) -> bool:
    for scope in index.scopes:
        for value in scope.bindings.values():
            if value.__class__ is str and (value == "torch" or value.startswith("torch.")):
                return True
    return False
