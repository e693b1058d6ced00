"""What the linter can tell about a tensor from the expression that made it.

A ``Fact`` is the evidence about one value: is it a fresh tensor, a leaf that requires grad,
the result of an op (and over which names), a 0-dim loss or reduction, something that is not
a tensor at all, or unknown. The misconception rules only speak where the facts are strong
(ARCHITECTURE.md: precision over recall).
"""

from __future__ import annotations

import ast
from enum import Enum

from .names import Scope, qualname
from . import torch_api as api


class FactKind(str, Enum):  # ``str``: a C-level hash in kind sets
    FRESH = "fresh"  # a tensor with no history that does not require grad
    LEAF_RG = "leaf_rg"  # a leaf that requires grad
    COMPUTED = "computed"  # the result of an op over `inputs`
    NONTENSOR = "nontensor"
    UNKNOWN = "unknown"


FRESH = FactKind.FRESH
LEAF_RG = FactKind.LEAF_RG
COMPUTED = FactKind.COMPUTED
NONTENSOR = FactKind.NONTENSOR
UNKNOWN = FactKind.UNKNOWN
_TENSOR_KINDS = frozenset({FRESH, LEAF_RG, COMPUTED})


class Fact:
    __slots__ = ("kind", "rg", "inputs", "zero_dim", "numel_gt1", "int_dtype", "line", "ndim")

    def __init__(self, kind: FactKind, rg=None, inputs=(), zero_dim=False, numel_gt1=None,
                 int_dtype=False, line=0, ndim=None):
        self.kind = kind
        #: requires grad: True / False / None (unknown)
        self.rg = rg
        self.inputs: tuple[str, ...] = inputs
        #: strong evidence that the value is 0-dim (a loss, a full reduction)
        self.zero_dim = zero_dim
        #: known to hold more than one element (True), or unknown (None)
        self.numel_gt1 = numel_gt1
        self.int_dtype = int_dtype
        self.line = line
        #: number of dimensions when the code shows it (literal sizes), else None
        self.ndim = ndim

    @property
    def tensor(self) -> bool:
        return self.kind in _TENSOR_KINDS

    def __repr__(self) -> str:  # for test failure messages
        return f"Fact({self.kind.value}, rg={self.rg}, inputs={self.inputs}, zero_dim={self.zero_dim})"


UNKNOWN_FACT = Fact(UNKNOWN)
NONTENSOR_FACT = Fact(NONTENSOR, rg=False)
#: A Python number (``loss = 0`` before ``loss += criterion(...)``).
NUMBER_FACT = Fact(NONTENSOR, rg=False)

_NONTENSOR_NODES = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp,
                    ast.DictComp, ast.SetComp, ast.GeneratorExp, ast.JoinedStr, ast.Lambda)
_NONTENSOR_METHODS = frozenset({"numpy", "tolist", "item", "size", "dim", "numel", "ndimension",
                                "nelement", "keys", "values", "items", "split", "join",
                                "format", "strip", "encode", "decode"})
_NONTENSOR_BUILTINS = frozenset({"builtins." + n for n in (
    "len", "range", "list", "dict", "tuple", "set", "str", "int", "float", "bool", "sorted",
    "enumerate", "zip", "map", "filter", "open", "sum", "min", "max", "abs", "round")})
_NONTENSOR_MODULES = ("numpy.", "math.", "random.", "os.", "pandas.", "json.", "pickle.")
_SHAPE_ATTRS = frozenset({"shape", "dtype", "device", "is_leaf", "grad_fn", "requires_grad",
                          "ndim"})


def literal(node: ast.AST | None):
    """The value of a constant (``-1`` included); a sentinel when not a literal."""
    if node is None:
        return _ABSENT
    if node.__class__ is ast.Constant:
        return node.value
    if node.__class__ is ast.UnaryOp and node.op.__class__ is ast.USub \
            and node.operand.__class__ is ast.Constant \
            and node.operand.value.__class__ in (int, float):
        return -node.operand.value
    return _DYNAMIC


_ABSENT = type("Absent", (), {"__repr__": lambda self: "<absent>"})()
_DYNAMIC = type("Dynamic", (), {"__repr__": lambda self: "<dynamic>"})()
ABSENT = _ABSENT
DYNAMIC = _DYNAMIC


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw
    return None


def requires_grad_arg(call: ast.Call, position: int | None = None):
    """The literal ``requires_grad`` of a call: True/False, ABSENT or DYNAMIC."""
    kw = keyword(call, "requires_grad")
    if kw is not None:
        return literal(kw.value)
    if position is not None and len(call.args) > position:
        return literal(call.args[position])
    return ABSENT


def _int_sizes(args) -> list[int] | None:
    sizes = []
    for arg in args:
        value = literal(arg)
        if value.__class__ is not int:
            return None
        sizes.append(value)
    return sizes


def _product(values) -> int:
    result = 1
    for value in values:
        result *= value
    return result


def _factory_numel_gt1(q: str, call: ast.Call):
    if q in api.SIZE_FACTORIES:
        args = call.args
        if len(args) == 1 and args[0].__class__ in (ast.Tuple, ast.List):
            args = args[0].elts
        sizes = _int_sizes(args)
        if sizes:
            return _product(sizes) > 1
        return None
    if q == "torch.tensor" and call.args and call.args[0].__class__ in (ast.List, ast.Tuple):
        return len(call.args[0].elts) > 1
    return None


def _literal_depth(node: ast.AST) -> int | None:
    depth = 0
    while node.__class__ in (ast.List, ast.Tuple):
        if not node.elts:
            return depth + 1
        node = node.elts[0]
        depth += 1
    return depth


def _factory_ndim(q: str, call: ast.Call):
    if q in api.SIZE_FACTORIES:
        args = call.args
        if len(args) == 1 and args[0].__class__ in (ast.Tuple, ast.List):
            args = args[0].elts
        return len(args) if args and not any(a.__class__ is ast.Starred for a in args) else None
    if q == "torch.tensor" and call.args and call.args[0].__class__ in (ast.List, ast.Tuple):
        return _literal_depth(call.args[0])
    return None


#: numpy calls whose positional arguments (or one tuple of them) are the shape.
_NUMPY_SHAPED = frozenset("numpy." + n for n in (
    "zeros", "ones", "empty", "full", "random.rand", "random.randn", "random.random",
    "random.random_sample", "random.standard_normal", "random.uniform", "random.normal"))
_NUMPY_SIZE_KEYWORD = frozenset({"numpy.random.uniform", "numpy.random.normal"})


def numpy_ndim(node: ast.AST, scope: Scope, depth: int = 0) -> int | None:
    """The dimensions of a numpy array the code shows: ``np.random.randn(3, 4)``,
    ``np.zeros((3, 4))``, ``np.array([[...]])``, ``np.eye(n)``, or a name bound once to
    one of them (``torch.from_numpy(a)`` of it is 2-D too)."""
    if node.__class__ is ast.Name and depth == 0:
        owner = scope.owner(node.id)
        if owner is None:
            return None
        events = owner.binding_events(node.id)
        if len(events) != 1 or events[0].value is None or events[0].kind.value != "assign":
            return None
        return numpy_ndim(events[0].value, owner, 1)
    if node.__class__ is not ast.Call:
        return None
    q = qualname(node.func, scope)
    if q in ("numpy.array", "numpy.asarray") and node.args:
        return _literal_depth(node.args[0]) if node.args[0].__class__ in (ast.List, ast.Tuple) \
            else None
    if q in ("numpy.eye", "numpy.identity"):
        return 2
    if q in _NUMPY_SHAPED:
        if q in _NUMPY_SIZE_KEYWORD:
            size = next((kw.value for kw in node.keywords if kw.arg == "size"),
                        node.args[2] if len(node.args) > 2 else None)
            args = [size] if size is not None else []
        elif q in ("numpy.random.rand", "numpy.random.randn"):
            args = node.args
        else:
            args = node.args[:1]
        if len(args) == 1 and args[0].__class__ in (ast.Tuple, ast.List):
            return len(args[0].elts) or None
        if args and all(a.__class__ is not ast.Starred for a in args) \
                and (len(args) > 1 or q in ("numpy.random.rand", "numpy.random.randn")
                     or args[0].__class__ is ast.Constant):
            return len(args)
    return None


def _ctor_ndim(call: ast.Call):
    if len(call.args) == 1 and call.args[0].__class__ in (ast.List, ast.Tuple):
        return _literal_depth(call.args[0])
    if call.args and _int_sizes(call.args) is not None:
        return len(call.args)
    return None


def _ctor_numel_gt1(call: ast.Call):
    if len(call.args) == 1 and call.args[0].__class__ in (ast.List, ast.Tuple):
        return len(call.args[0].elts) > 1
    sizes = _int_sizes(call.args)
    if sizes:
        return _product(sizes) > 1
    return None


def _int_dtype(call: ast.Call, scope: Scope) -> bool:
    kw = keyword(call, "dtype")
    return kw is not None and qualname(kw.value, scope) in api.INTEGER_DTYPES


def _combine_rg(facts) -> bool | None:
    values = [f.rg for f in facts]
    if True in values:
        return True
    if None in values:
        return None
    return False


def _loss_call_reduces(call: ast.Call) -> bool:
    """False when the loss call keeps per-element results (reduction='none', reduce=False)."""
    reduction = keyword(call, "reduction")
    if reduction is not None and literal(reduction.value) != "mean" \
            and literal(reduction.value) != "sum":
        return False
    reduce = keyword(call, "reduce")
    if reduce is not None and literal(reduce.value) is not True:
        return False
    return True


def is_loss_call(call: ast.Call, scope: Scope) -> bool:
    """Strong evidence that ``call`` returns a 0-dim loss."""
    func = call.func
    q = qualname(func, scope)
    if q in api.FUNCTIONAL_LOSSES:
        return _loss_call_reduces(call)
    if func.__class__ is ast.Call:
        return api.is_loss_module(qualname(func.func, scope)) and _loss_call_reduces(func)
    name = None
    if func.__class__ is ast.Name and scope.lookup(func.id) is None:
        name = func.id
    elif func.__class__ is ast.Attribute and func.value.__class__ is ast.Name \
            and func.value.id == "self":
        name = func.attr
    return name is not None and name in api.LOSS_CALLEE_NAMES


#: Layers whose ``.weight`` has a fixed number of dimensions (LV120's evidence).
_WEIGHT_NDIM = {
    "torch.nn.Linear": 2, "torch.nn.Bilinear": 3, "torch.nn.Embedding": 2,
    "torch.nn.Conv1d": 3, "torch.nn.Conv2d": 4, "torch.nn.Conv3d": 5,
    "torch.nn.ConvTranspose1d": 3, "torch.nn.ConvTranspose2d": 4, "torch.nn.ConvTranspose3d": 5,
}


def layer_weight_ndim(scope: Scope, name: str) -> int | None:
    """``name.weight``'s dimensions when ``name`` is bound once, to ``nn.Linear(...)`` and
    the like, in the scope this one sees it from."""
    owner = scope.owner(name)
    if owner is None:
        return None
    values = [event.value for event in owner.binding_events(name)]
    if len(values) != 1 or values[0].__class__ is not ast.Call:
        return None
    func = values[0].func
    if func.__class__ not in (ast.Name, ast.Attribute):
        return None
    return _WEIGHT_NDIM.get(qualname(func, owner))


def _is_number(node: ast.AST) -> bool:
    return literal(node).__class__ in (int, float)


def numeric_literal(node: ast.AST) -> bool:
    """A number, or a (nested) list/tuple of numbers, written out in the source."""
    if node.__class__ in (ast.List, ast.Tuple):
        return all(numeric_literal(e) for e in node.elts)
    return _is_number(node)


class Classifier:
    """Classifies expressions against the facts known so far in one scope."""

    def __init__(self, scope: Scope, facts: dict[str, Fact]):
        self.scope = scope
        self.facts = facts

    def name_fact(self, name: str) -> Fact:
        fact = self.facts.get(name)
        if fact is not None:
            return fact
        meaning = self.scope.lookup(name)
        if meaning is not None:  # an import, a class, a builtin
            return NONTENSOR_FACT
        return UNKNOWN_FACT

    def accumulate(self, name: str, node: ast.AugAssign) -> Fact:
        """What ``name`` is after ``name op= value``."""
        left = self.facts.get(name, UNKNOWN_FACT)
        right = self.classify(node.value)
        if left.kind == NONTENSOR and right.kind == NONTENSOR:
            return NUMBER_FACT if left is NUMBER_FACT and right is NUMBER_FACT else NONTENSOR_FACT
        if not (left.tensor or right.tensor):
            return UNKNOWN_FACT
        scalar_parts = all(f.zero_dim or f is NUMBER_FACT for f in (left, right))
        zero_dim = scalar_parts and (left.zero_dim or right.zero_dim)
        return Fact(COMPUTED, rg=_combine_rg((left, right)), inputs=self.inputs(node.value),
                    zero_dim=zero_dim)

    def classify(self, node: ast.AST) -> Fact:
        cls = node.__class__
        if cls is ast.Name:
            return self.name_fact(node.id)
        if cls is ast.Constant and node.value.__class__ in (int, float):
            return NUMBER_FACT
        if isinstance(node, _NONTENSOR_NODES):
            return NONTENSOR_FACT
        if cls is ast.Attribute:
            attr = node.attr
            if attr == "data":
                inner = self.classify(node.value)
                if inner.kind == NONTENSOR:
                    return inner
                return Fact(FRESH, rg=False, zero_dim=inner.zero_dim, numel_gt1=inner.numel_gt1,
                            ndim=inner.ndim,
                            int_dtype=inner.int_dtype)
            if attr == "grad":
                return Fact(FRESH, rg=False)
            if attr in _SHAPE_ATTRS:
                return NONTENSOR_FACT
            if attr == "weight" and node.value.__class__ is ast.Name:
                ndim = layer_weight_ndim(self.scope, node.value.id)
                if ndim is not None:
                    return Fact(LEAF_RG, rg=True, numel_gt1=True, ndim=ndim)
            return UNKNOWN_FACT
        if cls is ast.Subscript:
            inner = self.classify(node.value)
            if inner.kind == FRESH:
                return Fact(FRESH, rg=False, int_dtype=inner.int_dtype)
            if inner.kind in (LEAF_RG, COMPUTED):
                return Fact(COMPUTED, rg=inner.rg, inputs=self.inputs(node.value))
            return UNKNOWN_FACT
        if cls is ast.BinOp:
            left = self.classify(node.left)
            right = self.classify(node.right)
            if left.kind == NONTENSOR and right.kind == NONTENSOR:
                return NONTENSOR_FACT
            parts = (left, right)
            numel = True if (left.numel_gt1 or right.numel_gt1) else None
            # 0-dim with 0-dim or a number broadcasts to 0-dim.
            zero_dim = all(p.zero_dim or _is_number(n) for p, n in
                           ((left, node.left), (right, node.right))) \
                and (left.zero_dim or right.zero_dim)
            ndims = [f.ndim for f in parts if f.ndim is not None]
            return Fact(COMPUTED, rg=_combine_rg(parts), inputs=self.inputs(node), numel_gt1=numel,
                        zero_dim=zero_dim, ndim=max(ndims) if ndims else None)
        if cls is ast.UnaryOp:
            if node.op.__class__ is ast.Not:
                return NONTENSOR_FACT
            inner = self.classify(node.operand)
            if inner.kind == NONTENSOR:
                return inner
            return Fact(COMPUTED, rg=inner.rg, inputs=self.inputs(node),
                        numel_gt1=inner.numel_gt1, ndim=inner.ndim,
                        zero_dim=inner.zero_dim)
        if cls is ast.Call:
            return self._call(node)
        return UNKNOWN_FACT

    def _call(self, call: ast.Call) -> Fact:
        func = call.func
        scope = self.scope
        q = qualname(func, scope) if func.__class__ in (ast.Name, ast.Attribute) else None
        if q is not None:
            if q == api.VARIABLE:
                if not call.args:
                    return Fact(FRESH, rg=False)
                inner = self.classify(call.args[0])
                rg = requires_grad_arg(call, 1) is True
                return Fact(LEAF_RG if rg else FRESH, rg=rg, numel_gt1=inner.numel_gt1,
                            ndim=inner.ndim,
                            int_dtype=inner.int_dtype)
            if q == api.PARAMETER:
                return Fact(LEAF_RG, rg=True)
            if q in api.FRESH_FACTORIES:
                rg = requires_grad_arg(call) is True
                ndim = _factory_ndim(q, call)
                if ndim is None and q == "torch.from_numpy" and len(call.args) == 1:
                    ndim = numpy_ndim(call.args[0], scope)
                return Fact(LEAF_RG if rg else FRESH, rg=rg,
                            numel_gt1=_factory_numel_gt1(q, call), ndim=ndim,
                            int_dtype=_int_dtype(call, scope))
            if q in api.LEGACY_TENSOR_TYPES:
                dtype = api.LEGACY_TENSOR_TYPES[q][0]
                return Fact(FRESH, rg=False, numel_gt1=_ctor_numel_gt1(call),
                            ndim=_ctor_ndim(call),
                            int_dtype=not dtype.startswith(("float", "bfloat")))
            if q in api.FUNCTIONAL_LOSSES:
                return Fact(COMPUTED, rg=None, inputs=self.inputs(call),
                            zero_dim=_loss_call_reduces(call))
            if q in api.REDUCTION_FUNCTIONS and len(call.args) == 1 and not call.keywords:
                inner = self.classify(call.args[0])
                return Fact(COMPUTED, rg=inner.rg, inputs=self.inputs(call), zero_dim=True)
            if q in _NONTENSOR_BUILTINS or q.startswith(_NONTENSOR_MODULES):
                return NONTENSOR_FACT
            if q.startswith("torch."):
                args = [self.classify(a) for a in call.args]
                if q.rpartition(".")[2] in api.ELEMENTWISE_METHODS and len(args) == 1 \
                        and args[0].zero_dim:
                    return Fact(COMPUTED, rg=args[0].rg, inputs=self.inputs(call), zero_dim=True)
                return Fact(COMPUTED, rg=_combine_rg(args) if args else None,
                            inputs=self.inputs(call))
            return UNKNOWN_FACT
        if is_loss_call(call, scope):
            return Fact(COMPUTED, rg=None, inputs=self.inputs(call), zero_dim=True)
        if func.__class__ is ast.Attribute:
            method = func.attr
            receiver = self.classify(func.value)
            if receiver.kind == NONTENSOR:
                return NONTENSOR_FACT
            if method in _NONTENSOR_METHODS:
                return NONTENSOR_FACT
            if method == "detach":
                return Fact(FRESH, rg=False, numel_gt1=receiver.numel_gt1, ndim=receiver.ndim,
                            int_dtype=receiver.int_dtype)
            if method == "clone" and receiver.kind == FRESH:
                return Fact(FRESH, rg=False, numel_gt1=receiver.numel_gt1, ndim=receiver.ndim,
                            int_dtype=receiver.int_dtype)
            if method == "requires_grad_" and receiver.kind in (FRESH, LEAF_RG):
                return Fact(LEAF_RG, rg=True, numel_gt1=receiver.numel_gt1, ndim=receiver.ndim)
            if method in api.REDUCTION_METHODS and not call.args and not call.keywords:
                return Fact(COMPUTED, rg=receiver.rg, inputs=self.inputs(call), zero_dim=True)
            if receiver.kind == UNKNOWN and func.value.__class__ is not ast.Name:
                # ``self.fc(x)``, ``model.net(x)``: a module call over the arguments.
                return Fact(COMPUTED, rg=None, inputs=self.inputs(call))
            elementwise = method in api.ELEMENTWISE_METHODS
            numel = receiver.numel_gt1 if elementwise else None
            rg = receiver.rg if receiver.kind != UNKNOWN else None
            return Fact(COMPUTED, rg=rg, inputs=self.inputs(call), numel_gt1=numel,
                        ndim=receiver.ndim if elementwise else None,
                        zero_dim=elementwise and receiver.zero_dim)
        if func.__class__ is ast.Name and scope.lookup(func.id) is None:
            # ``model(x)``: a local callable over tensors.
            return Fact(COMPUTED, rg=None, inputs=self.inputs(call))
        return UNKNOWN_FACT

    # ------------------------------------------------------------------ inputs
    def inputs(self, node: ast.AST) -> tuple[str, ...]:
        """Names of the tensors an expression computes from (in order of appearance),
        leaving out what is read through ``.data``/``.detach()`` and what is not a tensor."""
        found: list[str] = []
        self._collect(node, found, strict=False)
        return tuple(dict.fromkeys(found))

    def _collect(self, node: ast.AST, found: list[str], strict: bool) -> None:
        cls = node.__class__
        if cls is ast.Name:
            fact = self.name_fact(node.id)
            if node.id in ("self", "cls") or fact.kind == NONTENSOR:
                return
            if strict and not fact.tensor:
                return
            found.append(node.id)
        elif cls is ast.Attribute:
            if node.attr == "data" or node.attr in _SHAPE_ATTRS:
                return
            # ``self.weight``, ``model.fc`` are not tensors of this scope; ``a.T`` is.
            self._collect(node.value, found, strict or node.value.__class__ is ast.Name)
        elif cls is ast.Call:
            func = node.func
            if func.__class__ is ast.Attribute:
                if func.attr in ("detach", "size", "dim", "numel", "item", "tolist", "numpy"):
                    return
                if qualname(func, self.scope) is None:
                    # A method call: its receiver is an input, its arguments only when known
                    # to be tensors (``a.view(n, -1)`` does not compute from ``n``).
                    self._collect(func.value, found, strict)
                    for arg in node.args:
                        self._collect(arg, found, True)
                    return
            for arg in node.args:
                self._collect(arg, found, strict)
        elif cls is ast.BinOp:
            self._collect(node.left, found, strict)
            self._collect(node.right, found, strict)
        elif cls is ast.UnaryOp:
            self._collect(node.operand, found, strict)
        elif cls in (ast.List, ast.Tuple):
            for element in node.elts:
                self._collect(element, found, strict)
        elif cls is ast.Subscript:
            self._collect(node.value, found, strict)
        elif cls is ast.Starred:
            self._collect(node.value, found, strict)
