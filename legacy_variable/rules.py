"""The rule catalog: the single source of truth for every diagnostic.

Each rule is a small declarative record (in the spirit of pyflakes' ``messages.py``):
a stable code, a kebab-case name, a one-line message template and the long text that
``legacy-variable explain CODE`` prints (the structure of ruff's rule pages).  The
linter, the runtime warnings, the pytest summary and ``migration_guide.md`` all read
it; nothing restates it by hand.

This module imports neither torch nor ast: both faces depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

#: Where the project's rule pages live (``Rule.url``).
DOCS_URL = "https://github.com/legacy-variable/legacy-variable/blob/main/migration_guide.md"

STATIC = "static"
RUNTIME = "runtime"

#: Fix availability, ruff's vocabulary: a fix that keeps modern-PyTorch semantics
#: exactly is "safe"; one that may change behaviour is "unsafe" (``--unsafe-fixes``);
#: "sometimes" means safe when the evidence is strong, otherwise not offered.
FIX_SAFE = "safe"
FIX_UNSAFE = "unsafe"
FIX_SOMETIMES = "sometimes"
FIX_NONE = "none"


class _Defaults(dict):
    """format_map helper: a placeholder the caller did not supply falls back to a default."""

    def __init__(self, given: Mapping[str, object], defaults: Mapping[str, str]):
        super().__init__(defaults)
        self.update({k: v for k, v in given.items() if v is not None})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    #: One-line message; ``{placeholders}`` are filled by ``format`` (defaults below).
    message: str
    #: What the rule detects, one paragraph.
    what: str
    #: Why it breaks (or silently changes meaning) on modern PyTorch, with torch 2.13's
    #: exact behaviour.
    why: str
    #: Legacy code that triggers the rule (the linter must flag it: tested).
    example: str
    #: The modern equivalent (the linter must stay silent on it: tested).
    use_instead: str
    #: Whether ``legacy-variable check --fix`` fixes it, and why that is (un)safe.
    fix_safety: str
    faces: frozenset[str] = frozenset({STATIC, RUNTIME})
    fix: str = FIX_NONE
    #: What stock torch 2.13 does with the legacy code: "raises", "warns", "silent".
    stock_outcome: str = "silent"
    defaults: Mapping[str, str] = field(default_factory=dict)

    def format(self, **values: object) -> str:
        return self.message.format_map(_Defaults(values, self.defaults))

    @property
    def summary(self) -> str:
        return self.format()

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}"

    @property
    def static(self) -> bool:
        return STATIC in self.faces

    @property
    def runtime(self) -> bool:
        return RUNTIME in self.faces

    @property
    def fixable(self) -> bool:
        return self.fix != FIX_NONE

    def explain(self) -> str:
        """The rule page: ruff's structure, in Markdown."""
        faces = " and ".join(sorted(self.faces))
        return (
            f"# {self.name} ({self.code})\n\n"
            f"Detected by: {faces}. Fix: {self.fix}.\n\n"
            f"## What it does\n{self.what}\n\n"
            f"## Why it breaks on modern PyTorch\n{self.why}\n\n"
            f"## Example\n```python\n{self.example.rstrip()}\n```\n\n"
            f"## Use instead\n```python\n{self.use_instead.rstrip()}\n```\n\n"
            f"## Fix safety\n{self.fix_safety}\n"
        )


_RULES: list[Rule] = [
    # LV0xx: the tool's own findings about a file it could not fully check.
    Rule(
        code="LV001",
        name="syntax-error",
        message="file does not parse: {detail}",
        defaults={"detail": "invalid syntax"},
        what=(
            "A file that Python 3 cannot parse for a reason other than `async=` (which LV105 "
            "handles): Python 2 `print x` statements, `exec` statements, backticks, tabs mixed "
            "with spaces."
        ),
        why=(
            "Such a file does not import on a modern interpreter at all, and the linter cannot "
            "resolve names in it, so its other rules are not checked."
        ),
        example="print 'loss', loss\n",
        use_instead="print('loss', loss)\n",
        fix_safety=(
            "No fix: port the file to Python 3 first (for example with `2to3 -w FILE`), then "
            "run the linter again."
        ),
        faces=frozenset({STATIC}),
        stock_outcome="raises",
    ),
    Rule(
        code="LV002",
        name="unreadable-file",
        message="file skipped: {detail}",
        defaults={"detail": "cannot be read"},
        what="A file that cannot be read or decoded: permissions, binary content, a bad encoding.",
        why="The linter reports the file and skips it; the rest of the run goes on.",
        example="# (a file with undecodable bytes)\n",
        use_instead="# (a UTF-8 file, or one with a PEP 263 coding cookie)\n",
        fix_safety="No fix.",
        faces=frozenset({STATIC}),
    ),
    Rule(
        code="LV101",
        name="variable-wrapper",
        message="`{callee}(...)` is a legacy wrapper: on modern PyTorch it returns a detached "
        "tensor; use the tensor itself",
        defaults={"callee": "Variable"},
        what="Calls of `torch.autograd.Variable(...)`, under any import alias.",
        why=(
            "Since PyTorch 0.4 tensors and Variables are one class. `Variable(t)` still runs "
            "silently but returns `t.detach()`: a new leaf that shares storage with `t` and "
            "has no history. Where `t` had history the graph is cut (LV202); "
            "`requires_grad=True` makes a new leaf and gradients stop there (LV201)."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "x = Variable(torch.randn(3))\n"
        ),
        use_instead="import torch\nx = torch.randn(3)\n",
        fix_safety=(
            "Safe when the argument is a fresh tensor expression (a factory call such as "
            "`torch.randn(...)`, `torch.zeros(...)`, `torch.from_numpy(...)`): dropping the "
            "wrapper then keeps the exact semantics, and `requires_grad=True` moves into the "
            "factory call. Unsafe otherwise: `Variable(t)` detaches and aliases `t`, so the "
            "unsafe fix writes `t.detach()` to keep that meaning."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code="LV102",
        name="variable-import",
        message="`Variable` import is a legacy no-op; tensors are Variables since PyTorch 0.4",
        what="`from torch.autograd import Variable` (and `torch.autograd.variable`).",
        why=(
            "The import still works, but the class only exists for backward compatibility: "
            "every tensor is a Variable. Keeping the import keeps the legacy idioms alive."
        ),
        example="from torch.autograd import Variable\nx = Variable\n",
        use_instead="import torch\nx = torch.Tensor\n",
        fix_safety=(
            "Safe: the import is removed only when no use of the name remains after the "
            "other fixes."
        ),
        faces=frozenset({STATIC}),
        fix=FIX_SAFE,
    ),
    Rule(
        code="LV103",
        name="volatile-flag",
        message="`volatile=` has no effect since PyTorch 0.4: the graph is still built; "
        "use `with torch.no_grad():`",
        what="The `volatile=` argument of `Variable(...)`.",
        why=(
            "torch 2.13 warns `UserWarning: volatile was removed and now has no effect. Use "
            "`with torch.no_grad():` instead.` and ignores the flag: anything computed from "
            "the tensor together with parameters builds a graph, so evaluation loops keep "
            "activations alive and use far more memory than in 0.3."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "x = Variable(torch.randn(3), volatile=True)\n"
        ),
        use_instead="import torch\nwith torch.no_grad():\n    x = torch.randn(3)\n",
        fix_safety=(
            "Unsafe: `volatile=True` has to become a `torch.no_grad()` block around the code "
            "that uses the tensor, which is a structural change the fixer cannot scope. "
            "`volatile=False` is removed safely."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    Rule(
        code="LV104",
        name="scalar-data-index",
        message="indexing a 0-dim result with `[0]` raises on modern PyTorch; use `.item()`",
        what="`loss.data[0]`, `loss[0]` and similar indexing of reduction results.",
        why=(
            "Losses and full reductions are 0-dim tensors since PyTorch 0.4. torch 2.13 raises "
            "`IndexError: invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number`."
        ),
        example=(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.mse_loss(torch.randn(3), torch.randn(3))\n"
            "total = loss.data[0]\n"
        ),
        use_instead=(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.mse_loss(torch.randn(3), torch.randn(3))\n"
            "total = loss.item()\n"
        ),
        fix_safety=(
            "Safe when the receiver is known to be 0-dim (a loss or a full reduction): "
            "`.item()` returns the same Python number 0.3 returned. When the receiver's shape "
            "is unknown the diagnostic is reported without a fix, since `[0]` on a 1-D tensor "
            "is correct modern code."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code="LV105",
        name="async-keyword",
        message="`async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        what="`async=` keyword arguments of `.cuda()`, `.to()`, `.cpu()` and friends.",
        why=(
            "`async` is a reserved keyword since Python 3.7, so the whole module fails to "
            "import with `SyntaxError: invalid syntax`. PyTorch renamed the argument to "
            "`non_blocking`."
        ),
        example="x = x.cuda(async=True)\n",
        use_instead="x = x.cuda(non_blocking=True)\n",
        fix_safety="Safe: `non_blocking=` is the same argument under its new name.",
        fix=FIX_SAFE,
        stock_outcome="raises",
    ),
    Rule(
        code="LV106",
        name="retain-variables",
        message="`retain_variables=` was renamed `retain_graph=`",
        what="`backward(retain_variables=...)` and `torch.autograd.backward(..., retain_variables=...)`.",
        why=(
            "torch 2.13 raises `TypeError: Tensor.backward() got an unexpected keyword "
            "argument 'retain_variables'`."
        ),
        example=(
            "import torch\nx = torch.ones(2, requires_grad=True)\n"
            "(x * 2).sum().backward(retain_variables=True)\n"
        ),
        use_instead=(
            "import torch\nx = torch.ones(2, requires_grad=True)\n"
            "(x * 2).sum().backward(retain_graph=True)\n"
        ),
        fix_safety="Safe: the same argument under its new name.",
        fix=FIX_SAFE,
        stock_outcome="raises",
    ),
    Rule(
        code="LV107",
        name="legacy-tensor-constructor",
        message="`{callee}(...)` is a legacy typed constructor; use `torch.tensor`/`torch.empty` "
        "with `dtype=` and `device=`",
        defaults={"callee": "torch.FloatTensor"},
        what="`torch.FloatTensor(...)`, `torch.LongTensor(...)`, `torch.Tensor([...])`, "
        "`torch.cuda.FloatTensor(...)` and the other typed constructors.",
        why=(
            "They still work on the CPU but mix two meanings: `torch.FloatTensor(2, 3)` is an "
            "*uninitialised* tensor of shape (2, 3) while `torch.FloatTensor([2, 3])` holds "
            "data. They accept no `requires_grad=`, and `torch.cuda.FloatTensor(...)` raises "
            "`TypeError: type torch.cuda.FloatTensor not available. Torch not compiled with "
            "CUDA enabled.` on machines without CUDA."
        ),
        example="import torch\nx = torch.FloatTensor([1, 2])\n",
        use_instead="import torch\nx = torch.tensor([1, 2], dtype=torch.float32)\n",
        fix_safety=(
            "Safe for a literal list/tuple of numbers (`torch.tensor(data, dtype=...)`) and for "
            "integer sizes (`torch.empty(sizes, dtype=...)`). Other arguments (a variable, a "
            "numpy array, a Size) are reported without a fix, because the constructor's "
            "meaning depends on the argument's runtime type."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code="LV108",
        name="legacy-type-cast",
        message="`.type({type_name})` casts through a legacy tensor type; use `.to(dtype=..., "
        "device=...)`",
        defaults={"type_name": "torch.FloatTensor"},
        what="`x.type(torch.FloatTensor)`, `x.type(torch.cuda.LongTensor)`, `x.type('torch.FloatTensor')`.",
        why=(
            "Works on the CPU (differentiably), but a `torch.cuda.*` type raises "
            "`RuntimeError: Cannot initialize CUDA without ATen_cuda library` without CUDA, "
            "and the type names hide dtype and device in one token."
        ),
        example="import torch\nx = torch.zeros(2, dtype=torch.long)\ny = x.type(torch.FloatTensor)\n",
        use_instead="import torch\nx = torch.zeros(2, dtype=torch.long)\ny = x.to(torch.float32)\n",
        fix_safety=(
            "Safe for CPU types (`.type(torch.FloatTensor)` becomes `.to(torch.float32)`; both "
            "return `self` when the dtype already matches, and both are differentiable). CUDA "
            "types are rewritten to `.to(dtype, device='cuda')`, which is unsafe: the original "
            "also chose the current device."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code="LV109",
        name="grad-data-zero",
        message="`.grad.data.zero_()` goes through legacy `.data` and fails when `.grad` is None; "
        "use `optimizer.zero_grad()` or `.grad.zero_()`",
        what="`p.grad.data.zero_()`.",
        why=(
            "`.grad` is a plain tensor since 0.4, so `.data` is redundant. Since PyTorch 2.0 "
            "`zero_grad()` sets grads to `None` by default, after which the legacy line raises "
            "`AttributeError: 'NoneType' object has no attribute 'data'`."
        ),
        example="p.grad.data.zero_()\n",
        use_instead="p.grad.zero_()\n",
        fix_safety=(
            "Safe: `p.grad.zero_()` does the same in-place zeroing (both raise when `p.grad` "
            "is None)."
        ),
        fix=FIX_SAFE,
    ),
    Rule(
        code="LV110",
        name="variable-type-check",
        message="`{check}` against `Variable` no longer distinguishes anything: "
        "`isinstance(x, Variable)` is true for every tensor and `type(x) == Variable` is "
        "always false",
        defaults={"check": "isinstance"},
        what="`isinstance(x, Variable)`, `type(x) == Variable`, `type(x) is Variable`.",
        why=(
            "On torch 2.13 `isinstance(t, Variable)` is True for every tensor (plain, integer, "
            "Parameter) and `type(t) == Variable` is always False, even for `Variable(t)`. "
            "Branches written to tell tensors from Variables take the wrong path silently."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\nx = torch.randn(2)\n"
            "ok = isinstance(x, Variable)\n"
        ),
        use_instead="import torch\nx = torch.randn(2)\nok = isinstance(x, torch.Tensor)\n",
        fix_safety=(
            "`isinstance(x, Variable)` → `isinstance(x, torch.Tensor)` is safe (identical "
            "result on modern PyTorch). `type(x) == Variable` is reported without a fix: it is "
            "always False today, and what the author meant must be decided by a person."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code="LV111",
        name="volatile-attribute",
        message="`.volatile` is always False and setting it has no effect; use `torch.no_grad()`",
        what="Reads and writes of `x.volatile`.",
        why=(
            "torch 2.13 returns False with `UserWarning: volatile was removed (Variable.volatile "
            "is always False)` and ignores writes with `UserWarning: volatile was removed and "
            "now has no effect.`, on every call."
        ),
        example="flag = x.volatile\n",
        use_instead="import torch\nflag = not torch.is_grad_enabled()\n",
        fix_safety="No fix: the replacement depends on what the flag was used for.",
        stock_outcome="warns",
    ),
    Rule(
        code="LV112",
        name="legacy-autograd-function",
        message="legacy `autograd.Function` with non-static `{method}`; use `@staticmethod` "
        "with `ctx` and call `{cls}.apply(...)`",
        defaults={"method": "forward", "cls": "Function"},
        what=(
            "Subclasses of `torch.autograd.Function` whose `forward`/`backward` are instance "
            "methods, and calls of such functions through an instance (`MyFn()(x)`)."
        ),
        why=(
            "torch 2.13 raises `RuntimeError: Legacy autograd function with non-static forward "
            "method is deprecated. Please use new-style autograd function with static forward "
            "method.` (after a DeprecationWarning about instantiating the function)."
        ),
        example=(
            "import torch\n"
            "class MyReLU(torch.autograd.Function):\n"
            "    def forward(self, x):\n"
            "        self.save_for_backward(x)\n"
            "        return x.clamp(min=0)\n"
            "    def backward(self, grad):\n"
            "        x, = self.saved_tensors\n"
            "        return grad * (x > 0).float()\n"
        ),
        use_instead=(
            "import torch\n"
            "class MyReLU(torch.autograd.Function):\n"
            "    @staticmethod\n"
            "    def forward(ctx, x):\n"
            "        ctx.save_for_backward(x)\n"
            "        return x.clamp(min=0)\n"
            "    @staticmethod\n"
            "    def backward(ctx, grad):\n"
            "        x, = ctx.saved_tensors\n"
            "        return grad * (x > 0).float()\n"
        ),
        fix_safety=(
            "Unsafe: rewriting to `@staticmethod` + `ctx` is offered only for simple shapes "
            "(no constructor state); call sites `MyFn()(x)` must become `MyFn.apply(x)`."
        ),
        fix=FIX_UNSAFE,
        stock_outcome="raises",
    ),
    Rule(
        code="LV113",
        name="loss-reduction-kwargs",
        message="`size_average=`/`reduce=` are deprecated; use `reduction={reduction}`",
        defaults={"reduction": "'mean'|'sum'|'none'"},
        what="`size_average=` and `reduce=` arguments of loss modules and functions.",
        why=(
            "torch 2.13 warns `UserWarning: size_average and reduce args will be deprecated, "
            "please use reduction='sum' instead.` and maps them onto `reduction`."
        ),
        example="import torch.nn as nn\ncriterion = nn.CrossEntropyLoss(size_average=False)\n",
        use_instead="import torch.nn as nn\ncriterion = nn.CrossEntropyLoss(reduction='sum')\n",
        fix_safety=(
            "Safe when both values are literals (or absent): the fix writes the exact "
            "`reduction=` value torch itself derives (`reduce=False` → 'none', "
            "`size_average=False` → 'sum', otherwise 'mean')."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    Rule(
        code="LV114",
        name="implicit-softmax-dim",
        message="`{callee}` without `dim=` picks a dimension implicitly (0 for 0-, 1- and 3-D "
        "input, 1 otherwise); pass `dim=` explicitly",
        defaults={"callee": "softmax"},
        what="`F.softmax(x)`, `F.log_softmax(x)`, `F.softmin(x)`, `nn.Softmax()`, `nn.LogSoftmax()` without `dim`.",
        why=(
            "torch 2.13 warns `UserWarning: Implicit dimension choice for softmax has been "
            "deprecated. Change the call to include dim=X as an argument.` The implicit choice "
            "is 1 for 2-D input but 0 for 3-D input, a silent trap for sequence models."
        ),
        example="import torch.nn.functional as F\ny = F.softmax(x)\n",
        use_instead="import torch.nn.functional as F\ny = F.softmax(x, dim=-1)\n",
        fix_safety=(
            "No automatic fix: the right `dim` depends on the input's rank, which is not known "
            "statically."
        ),
        stock_outcome="warns",
    ),
    Rule(
        code="LV115",
        name="deprecated-functional",
        message="`{callee}` is deprecated; use `{replacement}`",
        defaults={"callee": "F.sigmoid", "replacement": "torch.sigmoid"},
        what="`F.sigmoid`, `F.tanh`, `F.upsample`, `F.upsample_bilinear`, `F.upsample_nearest`.",
        why=(
            "`F.sigmoid`/`F.tanh` are deprecated aliases (silent on 2.13). `F.upsample*` warn "
            "`UserWarning: nn.functional.upsample is deprecated. Use nn.functional.interpolate "
            "instead.`, and bilinear upsampling no longer aligns corners as in 0.3."
        ),
        example="import torch.nn.functional as F\ny = F.sigmoid(x)\n",
        use_instead="import torch\ny = torch.sigmoid(x)\n",
        fix_safety=(
            "Safe for `F.sigmoid`/`F.tanh` → `torch.sigmoid`/`torch.tanh` and for "
            "`F.upsample` → `F.interpolate` (same defaults). `F.upsample_bilinear` → "
            "`F.interpolate(..., mode='bilinear', align_corners=True)` is unsafe to apply "
            "blindly and offered only with `--unsafe-fixes`."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code="LV116",
        name="non-inplace-init",
        message="`{callee}` is deprecated; use the in-place `{callee}_`",
        defaults={"callee": "nn.init.xavier_uniform"},
        what="`nn.init.xavier_uniform(w)` and the other initialisers without the trailing underscore.",
        why=(
            "torch 2.13 warns `FutureWarning: nn.init.xavier_uniform is now deprecated in "
            "favor of nn.init.xavier_uniform_.`; the old names are scheduled for removal."
        ),
        example="import torch.nn as nn\nnn.init.xavier_uniform(layer.weight)\n",
        use_instead="import torch.nn as nn\nnn.init.xavier_uniform_(layer.weight)\n",
        fix_safety="Safe: the deprecated names call the underscored ones.",
        fix=FIX_SAFE,
        stock_outcome="warns",
    ),
    Rule(
        code="LV117",
        name="clip-grad-norm",
        message="`clip_grad_norm` is deprecated; use `clip_grad_norm_`",
        what="`torch.nn.utils.clip_grad_norm(...)`.",
        why=(
            "torch 2.13 warns `FutureWarning: torch.nn.utils.clip_grad_norm is now deprecated "
            "in favor of torch.nn.utils.clip_grad_norm_.` It also returns a tensor where 0.3 "
            "returned a Python float."
        ),
        example="import torch.nn as nn\nnn.utils.clip_grad_norm(model.parameters(), 5.0)\n",
        use_instead="import torch.nn as nn\nnn.utils.clip_grad_norm_(model.parameters(), 5.0)\n",
        fix_safety="Safe: the deprecated name calls the underscored one.",
        fix=FIX_SAFE,
        stock_outcome="warns",
    ),
    Rule(
        code="LV118",
        name="torch-range",
        message="`torch.range` is deprecated and end-inclusive; `torch.arange` excludes the end",
        what="`torch.range(start, end)`.",
        why=(
            "torch 2.13 warns `UserWarning: torch.range is deprecated and will be removed in a "
            "future release because its behavior is inconsistent with Python's range builtin.` "
            "`torch.range(0, 5)` has six float32 elements; `torch.arange(0, 5)` has five int64 "
            "ones, so it is not a drop-in replacement."
        ),
        example="import torch\nr = torch.range(0, 5)\n",
        use_instead="import torch\nr = torch.arange(0, 6, dtype=torch.float32)\n",
        fix_safety=(
            "Safe only for integer literal bounds with the default step: the fix writes "
            "`torch.arange(start, end + 1, dtype=torch.float32)` with the end computed. Other "
            "forms are reported without a fix (floating-point ends are not exact)."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    Rule(
        code="LV201",
        name="rewrap-computed-tensor",
        message="`Variable({target}, requires_grad=True)` starts a new graph: gradients will not "
        "reach {inputs}",
        defaults={"target": "...", "inputs": "the tensors it was computed from"},
        what=(
            "Wrapping an already-computed tensor in `Variable(c, requires_grad=True)` and "
            "expecting gradients to reach the tensors `c` was computed from."
        ),
        why=(
            "`Variable(c, requires_grad=True)` returns a detached new leaf. `backward()` "
            "stops there: `c_var.grad` is filled, but the inputs' `.grad` stays `None`, with "
            "no warning. (The widely copied example `c = a + b; c_var = Variable(c, "
            "requires_grad=True); c_var.backward(...)` prints `None` for `a.grad`.)"
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "a = torch.ones(3, requires_grad=True)\n"
            "b = torch.ones(3, requires_grad=True)\n"
            "c = a + b\n"
            "c_var = Variable(c, requires_grad=True)\n"
            "c_var.backward(torch.ones_like(c_var))\n"
        ),
        use_instead=(
            "import torch\n"
            "a = torch.ones(3, requires_grad=True)\n"
            "b = torch.ones(3, requires_grad=True)\n"
            "c = a + b\n"
            "c.backward(torch.ones_like(c))\n"
        ),
        fix_safety=(
            "No automatic fix: whether a new leaf was intended (a gradient penalty built from "
            "`.data`, say) or the author expected gradients to flow back is a decision for a "
            "person. Wraps of `.data`, `.detach()` and fresh tensors are not reported."
        ),
    ),
    Rule(
        code="LV202",
        name="detaching-wrap",
        message="`Variable({target})` silently detaches a tensor that has autograd history; "
        "gradients stop here",
        defaults={"target": "..."},
        what="`Variable(t)` where `t` requires grad or has a `grad_fn`.",
        why=(
            "In 0.3 wrapping a Variable raised an error; on modern PyTorch it silently returns "
            "`t.detach()`: `requires_grad=False`, no history, shared storage. Code after the "
            "wrap no longer contributes gradients to `t`'s inputs."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "w = torch.ones(3, requires_grad=True)\n"
            "h = Variable(w * 2)\n"
        ),
        use_instead=(
            "import torch\n"
            "w = torch.ones(3, requires_grad=True)\n"
            "h = w * 2\n"
        ),
        fix_safety=(
            "Unsafe: `Variable(t)` → `t.detach()` keeps today's meaning; dropping the wrapper "
            "restores the 0.3 intent but changes which gradients flow."
        ),
        fix=FIX_UNSAFE,
    ),
    Rule(
        code="LV203",
        name="grad-always-none",
        message="`{target}.grad` is always None here{reason}",
        defaults={"target": "x", "reason": ""},
        what=(
            "Reading `.grad` of a tensor that can never receive a gradient: it does not require "
            "grad, it is not a leaf, or it only flowed into a tensor that was re-wrapped as a "
            "new leaf (LV201)."
        ),
        why=(
            "Only leaves that require grad accumulate `.grad`. torch 2.13 returns `None` "
            "silently for tensors that do not require grad, and with a UserWarning for "
            "non-leaves; code that then uses the value fails far from the cause."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "a = torch.ones(3)\nb = torch.ones(3)\nc = a + b\n"
            "c_var = Variable(c, requires_grad=True)\n"
            "c_var.backward(torch.ones_like(c_var))\n"
            "print(a.grad)\n"
        ),
        use_instead=(
            "import torch\n"
            "a = torch.ones(3, requires_grad=True)\nb = torch.ones(3, requires_grad=True)\n"
            "c = a + b\nc.backward(torch.ones_like(c))\nprint(a.grad)\n"
        ),
        fix_safety="No automatic fix: the graph has to be built differently.",
    ),
    Rule(
        code="LV204",
        name="nonscalar-backward",
        message="`backward()` without `gradient` on a non-scalar tensor raises; pass "
        "`gradient=` or reduce first",
        what="`.backward()` with no gradient argument on a tensor that is not a scalar.",
        why=(
            "torch 2.13 raises `RuntimeError: grad can be implicitly created only for scalar "
            "outputs`."
        ),
        example="import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward()\n",
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ny.sum().backward()\n",
        fix_safety="No automatic fix: the right reduction depends on intent.",
    ),
    Rule(
        code="LV205",
        name="data-mutation",
        message="in-place edit through `.data` is invisible to autograd; gradients may be wrong",
        what="In-place operations on `x.data` (`x.data.add_(...)`, `x.data[...] = ...`) outside optimizer-style updates.",
        why=(
            "`.data` gives a tensor that autograd does not track. In-place edits through it "
            "are not checked against saved tensors, so backward silently uses the modified "
            "values. `x.detach()` shares the version counter and raises instead."
        ),
        example="import torch\nx = torch.ones(3, requires_grad=True)\ny = x.exp()\ny.data.zero_()\n",
        use_instead=(
            "import torch\nx = torch.ones(3, requires_grad=True)\ny = x.exp()\n"
            "with torch.no_grad():\n    y.zero_()\n"
        ),
        fix_safety="No automatic fix.",
    ),
    Rule(
        code="LV206",
        name="require-grad-typo",
        message="`{target}.require_grad` is a typo for `requires_grad`: the flag is not set",
        defaults={"target": "x"},
        what="Assignments to `x.require_grad`.",
        why=(
            "Tensors accept arbitrary Python attributes, so the typo is stored silently and "
            "`x.requires_grad` stays False; a later backward raises `RuntimeError: element 0 of "
            "tensors does not require grad and does not have a grad_fn`."
        ),
        example="import torch\nx = torch.ones(3)\nx.require_grad = True\n",
        use_instead="import torch\nx = torch.ones(3)\nx.requires_grad = True\n",
        fix_safety="Safe: the attribute name is corrected.",
        fix=FIX_SAFE,
    ),
    Rule(
        code="LV207",
        name="numpy-requires-grad",
        message="`.numpy()` raises on a tensor that requires grad; use `.detach().numpy()`",
        what="`.numpy()` on a tensor that requires grad.",
        why=(
            "torch 2.13 raises `RuntimeError: Can't call numpy() on Tensor that requires grad. "
            "Use tensor.detach().numpy() instead.` (0.3 code used `x.data.numpy()`)."
        ),
        example="import torch\nx = torch.ones(3, requires_grad=True)\na = x.numpy()\n",
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\na = x.detach().numpy()\n",
        fix_safety=(
            "Safe where the receiver is known to require grad: `.detach().numpy()` returns the "
            "same array."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code="LV208",
        name="integer-requires-grad",
        message="`requires_grad=True` on an integer tensor raises: only floating point and "
        "complex tensors can require gradients",
        what="`requires_grad=True` for tensors of integer or bool dtype.",
        why=(
            "torch 2.13 raises `RuntimeError: Only Tensors of floating point and complex dtype "
            "can require gradients`."
        ),
        example="import torch\nx = torch.zeros(3, dtype=torch.long, requires_grad=True)\n",
        use_instead="import torch\nx = torch.zeros(3, dtype=torch.float32, requires_grad=True)\n",
        fix_safety="No automatic fix: changing the dtype changes the values' meaning.",
        stock_outcome="raises",
    ),
    Rule(
        code="LV209",
        name="volatile-and-requires-grad",
        message="`volatile=True` together with `requires_grad=True` raises",
        what="`Variable(t, volatile=True, requires_grad=True)`.",
        why=(
            "torch 2.13 raises `ValueError: Variable can't be volatile and require_grad at the "
            "same time!` (after the volatile UserWarning)."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "x = Variable(torch.ones(3), volatile=True, requires_grad=True)\n"
        ),
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\n",
        fix_safety="No automatic fix: one of the two flags has to go, and which is a choice.",
        stock_outcome="raises",
    ),
]

#: code -> Rule, in catalog order.
RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
#: kebab-case name -> Rule.
BY_NAME: dict[str, Rule] = {rule.name: rule for rule in _RULES}


def get(code_or_name: str) -> Rule:
    """Look a rule up by code (case-insensitive) or kebab-case name."""
    key = code_or_name.strip()
    rule = RULES.get(key.upper()) or BY_NAME.get(key.lower())
    if rule is None:
        raise KeyError(f"unknown rule {code_or_name!r}")
    return rule


def is_valid_selector(selector: str) -> bool:
    """A selector is ``ALL``, a code prefix (``LV``, ``LV1``, ``LV10``, ``LV101``) or a name."""
    s = selector.strip()
    if s.upper() == "ALL" or s.lower() in BY_NAME:
        return True
    return any(code.startswith(s.upper()) for code in RULES) and s.upper().startswith("LV")


def expand(selectors: Iterable[str]) -> set[str]:
    """Codes matched by selectors; raises ValueError on an unknown one."""
    codes: set[str] = set()
    for selector in selectors:
        s = selector.strip()
        if not s:
            continue
        if not is_valid_selector(s):
            raise ValueError(f"unknown rule selector {selector!r}")
        if s.upper() == "ALL":
            codes.update(RULES)
        elif s.lower() in BY_NAME:
            codes.add(BY_NAME[s.lower()].code)
        else:
            codes.update(code for code in RULES if code.startswith(s.upper()))
    return codes
