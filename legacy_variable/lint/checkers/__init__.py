"""Rule checkers over one parsed module.

Contract with the engine (``lint/engine.py``):

    check_module(tree: ast.Module, source: str, path: str) -> list[Diagnostic]

``source`` is the decoded text exactly as in the file (original line endings); ``path``
is the display path. Diagnostics carry 1-based lines and 1-based *character* columns
(ast's col_offset counts UTF-8 bytes: convert), and fixes as ``Edit`` ranges in the same
coordinates. The engine applies noqa, selection, fixes and output; checkers only find.

One walk builds the index (names.py); the rules then look only at the candidate nodes it
recorded, so the cost is one dictionary dispatch per node plus work proportional to the
legacy idioms actually present. Nothing here imports torch.
"""

from __future__ import annotations

import ast
import gc

from ...diagnostics import Diagnostic
from . import data_io, functional, legacy_api, misconceptions, shapes, tensor_ctors, variable
from . import torch_api as api
from .context import Context
from .fixes import SourceMap
from .names import ModuleIndex, qualname

__all__ = ["check_module"]


def check_module(tree: ast.Module, source: str, path: str) -> list[Diagnostic]:
    if "torch" not in source and "Variable" not in source and "volatile" not in source \
            and "require_grad" not in source:
        # No torch name can be bound, so no rule can fire (the typo and ``.volatile``
        # rules also need torch imported somewhere).
        return []
    # The tree holds millions of objects on a large file; a full garbage collection
    # triggered by the checkers' small allocations would traverse all of them, repeatedly.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check(tree, source, path)
    except RecursionError:
        # ast.parse accepts nesting (a 1500-term ``a + a + ...``) deeper than the
        # recursive walk can follow: the file is skipped, with a reason, not a crash.
        from ...rules import RULES

        detail = "too deeply nested to check"
        return [Diagnostic("LV002", RULES["LV002"].format(detail=detail), path, 1, 1)]
    finally:
        if collecting:
            gc.enable()


def _check(tree: ast.Module, source: str, path: str) -> list[Diagnostic]:
    index = ModuleIndex(tree)
    try:
        return _run_rules(index, source, path)
    finally:
        index.release()


def _run_rules(index: ModuleIndex, source: str, path: str) -> list[Diagnostic]:
    ctx = Context(index, SourceMap(source, path))
    function_classes = legacy_api.legacy_function_classes(ctx) if index.classes else {}

    called = {id(call.func) for call, _ in index.calls if call.func.__class__ is ast.Call} \
        if function_classes else set()
    for call, scope in index.calls:
        _check_call(ctx, call, scope, function_classes, called)
    for node, scope in index.compares:
        variable.check_type_compare(ctx, node, scope)
    variable.check_imports(ctx)
    legacy_api.check_volatile_attributes(ctx)
    legacy_api.check_require_grad_typo(ctx)
    if function_classes:
        legacy_api.check_legacy_functions(ctx, function_classes)
    misconceptions.check_scopes(ctx)

    diagnostics = ctx.diagnostics
    diagnostics.sort(key=Diagnostic.sort_key)
    return diagnostics


def _check_call(ctx: Context, call: ast.Call, scope, function_classes, called) -> None:
    func = call.func
    cls = func.__class__
    if cls is ast.Call:
        if function_classes:
            legacy_api.check_function_instance_call(ctx, call, scope, function_classes)
        q = None
    else:
        q = qualname(func, scope)
        if q is None and function_classes and cls is ast.Name:
            legacy_api.check_function_instantiation(ctx, call, scope, function_classes, called)
        if shapes.is_class_target_loss(ctx, call, scope, q):
            shapes.check_vector_element_target(ctx, call, scope)
    if q is not None:
        if q == api.VARIABLE:
            variable.check_variable_call(ctx, call, scope)
            ctx.variable_calls.append((call, scope))
        elif q == "builtins.isinstance":
            variable.check_isinstance(ctx, call, scope)
        elif q in api.LEGACY_TENSOR_TYPES:
            tensor_ctors.check_legacy_constructor(ctx, call, scope, q)
        elif q in api.SOFTMAX_FUNCTIONS or q in api.SOFTMAX_MODULES:
            functional.check_softmax(ctx, call, q)
        elif q in ("torch.nn.functional.sigmoid", "torch.nn.functional.tanh",
                   "torch.nn.functional.upsample", "torch.nn.functional.upsample_bilinear",
                   "torch.nn.functional.upsample_nearest"):
            functional.check_deprecated_functional(ctx, call, scope, q)
        elif q in api.INIT_FUNCTIONS:
            functional.check_underscore_rename(ctx, call, "LV116")
        elif q == api.CLIP_GRAD_NORM:
            functional.check_underscore_rename(ctx, call, "LV117")
        elif q == api.TORCH_RANGE:
            tensor_ctors.check_torch_range(ctx, call, scope)
        elif q == data_io.TENSOR_DATASET:
            data_io.check_tensor_dataset(ctx, call)
        elif q == data_io.TORCH_LOAD:
            data_io.check_torch_load(ctx, call, scope)
        elif q in api.ACCEPT_REQUIRES_GRAD:
            tensor_ctors.check_factory_requires_grad(ctx, call, scope)
    if cls is ast.Attribute:
        attr = func.attr
        if attr == "type":
            tensor_ctors.check_type_cast(ctx, call, scope)
        elif attr == "zero_":
            legacy_api.check_grad_data_zero(ctx, call)
    if call.keywords:
        keywords = {kw.arg for kw in call.keywords}
        if "size_average" in keywords or "reduce" in keywords:
            functional.check_reduction_kwargs(ctx, call, q)
        if "retain_variables" in keywords:
            legacy_api.check_retain_variables(ctx, call, q)
        if None in keywords:
            legacy_api.check_async_unpacking(ctx, call)
