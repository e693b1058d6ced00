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
from enum import Enum
from typing import Iterable, Mapping

#: Where the project's rule pages are published on the web, if anywhere. None: the project
#: has no web address of its own yet, so no diagnostic links to one (a link to an address
#: nobody controls would be worse than none); ``legacy-variable explain CODE`` and the
#: rule reference in migration_guide.md (``Rule.guide_anchor``) are the documentation.
DOCS_URL: str | None = None

STATIC = "static"
RUNTIME = "runtime"

#: Fix availability, ruff's vocabulary: a fix that keeps modern-PyTorch semantics
#: exactly is "safe"; one that may change behaviour is "unsafe" (``--unsafe-fixes``);
#: "sometimes" means safe when the evidence is strong, otherwise not offered.
FIX_SAFE = "safe"
FIX_UNSAFE = "unsafe"
FIX_SOMETIMES = "sometimes"
FIX_NONE = "none"


#: ``example_fixed=USE_INSTEAD``: the fixer turns the example into exactly the modern code
#: the record shows (``use_instead``); the catalog tests assert it like any fixed source.
USE_INSTEAD = "<use_instead>"


class _Defaults(dict):
    """format_map helper: a placeholder the caller did not supply falls back to a default."""

    def __init__(self, given: Mapping[str, object], defaults: Mapping[str, str]):
        super().__init__(defaults)
        self.update({k: v for k, v in given.items() if v is not None})

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Code(str, Enum):
    """Every rule code, named after its rule. Code outside this module refers to rules as
    ``Code.SCALAR_DATA_INDEX``, never as a bare ``"LV104"``: a typo is an AttributeError at
    import time, not a KeyError at run time. Members are ``str``: they compare, hash,
    format and serialise as the code itself."""

    SYNTAX_ERROR = "LV001"
    UNREADABLE_FILE = "LV002"
    VARIABLE_WRAPPER = "LV101"
    VARIABLE_IMPORT = "LV102"
    VOLATILE_FLAG = "LV103"
    SCALAR_DATA_INDEX = "LV104"
    ASYNC_KEYWORD = "LV105"
    RETAIN_VARIABLES = "LV106"
    LEGACY_TENSOR_CONSTRUCTOR = "LV107"
    LEGACY_TYPE_CAST = "LV108"
    GRAD_DATA_ZERO = "LV109"
    VARIABLE_TYPE_CHECK = "LV110"
    VOLATILE_ATTRIBUTE = "LV111"
    LEGACY_AUTOGRAD_FUNCTION = "LV112"
    LOSS_REDUCTION_KWARGS = "LV113"
    IMPLICIT_SOFTMAX_DIM = "LV114"
    DEPRECATED_FUNCTIONAL = "LV115"
    NON_INPLACE_INIT = "LV116"
    CLIP_GRAD_NORM = "LV117"
    TORCH_RANGE = "LV118"
    TENSOR_DATASET_KEYWORDS = "LV119"
    DOT_OF_MATRICES = "LV120"
    VECTOR_INDEX_IS_ZERO_DIM = "LV121"
    TORCH_LOAD_WEIGHTS_ONLY = "LV122"
    PRINT_REDUCTION_TENSOR = "LV123"
    REWRAP_COMPUTED_TENSOR = "LV201"
    DETACHING_WRAP = "LV202"
    GRAD_ALWAYS_NONE = "LV203"
    NONSCALAR_BACKWARD = "LV204"
    DATA_MUTATION = "LV205"
    REQUIRE_GRAD_TYPO = "LV206"
    NUMPY_REQUIRES_GRAD = "LV207"
    INTEGER_REQUIRES_GRAD = "LV208"
    VOLATILE_AND_REQUIRES_GRAD = "LV209"
    STEP_BETWEEN_BACKWARDS = "LV210"
    NUMPY_SCALAR_INDEX = "LV124"
    TENSOR_CLASS_ATTRIBUTE = "LV125"
    BYTE_MASK = "LV126"
    DATA_IS_NOT_VARIABLE = "LV127"
    DEFAULT_TENSOR_TYPE = "LV128"

    __str__ = str.__str__
    __format__ = str.__format__


@dataclass(frozen=True)
class Rule:
    code: Code
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
    #: What the linter reports on ``example``, Fixit-style: (code, line, column) of every
    #: diagnostic, in report order (a generated test asserts exactly these).
    example_expects: tuple[tuple[Code, int, int], ...] = ()
    #: ``example`` after ``check --fix``; None: no safe fix applies, it stays as it is;
    #: ``USE_INSTEAD``: exactly ``use_instead``.
    example_fixed: str | None = None
    #: ``example`` after ``check --fix --unsafe-fixes``; None: the same as with safe fixes.
    example_fixed_unsafe: str | None = None
    faces: frozenset[str] = frozenset({STATIC, RUNTIME})
    fix: str = FIX_NONE
    #: What stock torch 2.13 does with the legacy code: "raises", "warns", "silent".
    stock_outcome: str = "silent"
    defaults: Mapping[str, str] = field(default_factory=dict)
    #: Named continuations of the message (why, in this case): ``format(variant=KEY, ...)``
    #: puts ``variants[KEY]``, rendered with the same arguments, in the ``{variant}`` slot.
    #: Every face (linter, runtime, notebook) picks a key and passes facts, never prose.
    variants: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.example_fixed is USE_INSTEAD:
            object.__setattr__(self, "example_fixed", self.use_instead)

    def format(self, **values: object) -> str:
        if self.variants:
            # The variant's own text is data of the catalog too: it is rendered from the
            # same arguments and fills the message's ``{variant}`` slot.
            # ``defaults["variant"]``: the key a face that names none (the runtime) gets.
            key = values.get("variant") or self.defaults.get("variant")
            values = dict(values)
            values["variant"] = (
                self.variants[key].format_map(_Defaults(values, self.defaults)) if key else ""
            )
        return self.message.format_map(_Defaults(values, self.defaults))

    @property
    def summary(self) -> str:
        return self.format()

    @property
    def guide_anchor(self) -> str:
        """The rule's section in migration_guide.md (a relative reference)."""
        return f"migration_guide.md#{self.code.lower()}-{self.name}"

    @property
    def url(self) -> str | None:
        """The rule's page on the web, or None while the project publishes none."""
        return f"{DOCS_URL}#{self.code.lower()}-{self.name}" if DOCS_URL else None

    @property
    def static(self) -> bool:
        return STATIC in self.faces

    @property
    def runtime(self) -> bool:
        return RUNTIME in self.faces

    @property
    def fixable(self) -> bool:
        return self.fix != FIX_NONE

    @property
    def check_fix(self) -> str:
        """What ``legacy-variable check --fix`` can do for this rule's sites: its fix when
        the linter detects the rule, FIX_NONE for runtime-only rules (nothing to edit)."""
        return self.fix if self.static else FIX_NONE

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
        code=Code.SYNTAX_ERROR,
        name="syntax-error",
        message="file does not parse: {detail}",
        defaults={"detail": "invalid syntax"},
        what=(
            "A file that Python 3 cannot parse for a reason other than `async=` (LV105 "
            "handles that one): Python 2 `print x` and `exec code` statements, "
            "backticks, `<>`, octal literals such as `0777`, tabs mixed inconsistently "
            "with spaces."
        ),
        why=(
            "Much 0.1–0.3 era code was written for Python 2.7. Such a file does not "
            "import on a modern interpreter (for the example: `SyntaxError: Missing "
            "parentheses in call to 'print'. Did you mean print(...)?`). Without a "
            "syntax tree the linter cannot resolve names, so the other rules are only "
            "checked as far as the token-level pass can recognise them."
        ),
        example="print 'loss', loss\n",
        use_instead=(
            "loss = 0.5\n"
            "print('loss', loss)\n"
        ),
        fix_safety=(
            "No fix: port the file to Python 3 first (for instance with `2to3 -w "
            "FILE`), then run the linter again."
        ),
        faces=frozenset({STATIC}),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.UNREADABLE_FILE,
        name="unreadable-file",
        message="file skipped: {detail}",
        defaults={"detail": "cannot be read"},
        what=(
            "A file that cannot be read or decoded: missing permissions, binary "
            "content, bytes that are not valid in the file's declared (or default "
            "UTF-8) encoding."
        ),
        why=(
            "Python cannot import such a file either (`SyntaxError: (unicode error) "
            "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte`). "
            "The linter reports it and skips it; the rest of the run goes on."
        ),
        example="# (a file with undecodable bytes)\n",
        use_instead="# (a UTF-8 file, or one with a PEP 263 coding cookie)\n",
        fix_safety="No fix.",
        faces=frozenset({STATIC}),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.VARIABLE_WRAPPER,
        name="variable-wrapper",
        message="`{callee}(...)` is a legacy wrapper: on modern PyTorch it returns a detached "
        "tensor; {variant}",
        defaults={"callee": "Variable", "variant": "plain"},
        variants={
            "plain": "use the tensor itself",
            # ``Variable(alpha * x.data + ..., requires_grad=True)``: a gradient penalty's
            # interpolate must be a leaf of its own for ``autograd.grad``
            "new_leaf": (
                "with `requires_grad=True` on a computed value it starts a new leaf (as a "
                "gradient penalty's interpolate must): keep that with "
                "`(...).detach().requires_grad_()`, not the tensor itself"
            ),
        },
        what=(
            "Calls of `torch.autograd.Variable(...)`, however the name was imported "
            "(`from torch.autograd import Variable`, `import torch.autograd as ag; "
            "ag.Variable(...)`, an alias such as `as V`)."
        ),
        why=(
            "In 0.3 `Variable` was a wrapper class around a tensor: it held `.data`, "
            "`.grad` and the history autograd needed, and plain tensors could not take "
            "part in autograd at all. PyTorch 0.4 merged the two classes and kept "
            "`Variable` only as a compatibility name. On torch 2.13 `Variable(t)` runs "
            "without any warning and returns a plain `torch.Tensor` equal to "
            "`t.detach()`: a new leaf with no history that shares storage and version "
            "counter with `t` (`requires_grad=False` unless asked for). For a fresh "
            "tensor that is harmless; where `t` had history the graph is cut (LV202), "
            "and `requires_grad=True` on a computed tensor starts a new graph (LV201)."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "x = Variable(torch.randn(3))\n"
        ),
        use_instead="import torch\nx = torch.randn(3)\n",
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_WRAPPER, 3, 5),
        ),
        example_fixed=(
            USE_INSTEAD
        ),
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
        code=Code.VARIABLE_IMPORT,
        name="variable-import",
        message="`Variable` import is a legacy no-op; tensors are Variables since PyTorch 0.4",
        what="`from torch.autograd import Variable` and imports of `torch.autograd.variable`.",
        why=(
            "The import still succeeds silently on torch 2.13, but the class exists "
            "only for backward compatibility: every tensor is already what a Variable "
            "used to be. Once the wrapper calls are gone (LV101) the import is dead, "
            "and while it stays it invites new legacy code."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
        ),
        use_instead="import torch\n",
        example_expects=((Code.VARIABLE_IMPORT, 2, 28),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe: the import is removed only when no use of the name remains after the "
            "other fixes."
        ),
        faces=frozenset({STATIC}),
        fix=FIX_SAFE,
    ),
    Rule(
        code=Code.VOLATILE_FLAG,
        name="volatile-flag",
        message="`volatile=` has no effect since PyTorch 0.4: the graph is still built; "
        "use `with torch.no_grad():`",
        what="The `volatile=` argument of `Variable(...)`.",
        why=(
            "In 0.3 `volatile=True` marked an input as inference-only, and the flag "
            "spread to every result computed from it: no graph was built, so "
            "evaluation ran in constant memory. PyTorch 0.4 replaced it with the "
            "`torch.no_grad()` context. torch 2.13 warns ``UserWarning: volatile was "
            "removed and now has no effect. Use `with torch.no_grad():` instead.`` and "
            "ignores the flag: the input has `requires_grad=False`, but anything "
            "computed from it together with parameters (`model(x)`) records a full "
            "graph, so an evaluation loop keeps activations alive for a backward that "
            "never comes."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "model = torch.nn.Linear(3, 1)\n"
            "x = Variable(torch.randn(2, 3), volatile=True)\n"
            "y = model(x)\n"
        ),
        use_instead=(
            "import torch\n"
            "model = torch.nn.Linear(3, 1)\n"
            "with torch.no_grad():\n"
            "    y = model(torch.randn(2, 3))\n"
        ),
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_WRAPPER, 4, 5),
            (Code.VOLATILE_FLAG, 4, 33),
        ),
        fix_safety=(
            "Unsafe: `volatile=True` has to become a `torch.no_grad()` (or "
            "`torch.inference_mode()`) block around the code that uses the tensor, a "
            "structural change whose scope the fixer cannot know, so it is left to a "
            "person. `volatile=False` is removed safely."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    Rule(
        code=Code.SCALAR_DATA_INDEX,
        name="scalar-data-index",
        message="indexing {variant}; use `.item()` for a Python number",
        defaults={"variant": "zero_dim"},
        variants={
            # a loss or a full reduction: the fix is `.item()`
            "zero_dim": "a 0-dim result with `[0]` raises on modern PyTorch",
            # `x.data[0]` of an `x` the linter cannot see the shape of: `[0]` is right in 1-D
            "unknown_shape": (
                "a tensor of unknown shape with `[0]` raises if it is 0-dim (losses and full "
                "reductions are, since PyTorch 0.4)"
            ),
        },
        what=(
            "`loss.data[0]`, `loss[0]` and similar `[0]` indexing of losses and full "
            "reductions."
        ),
        why=(
            "0.3 had no 0-dim tensors: a loss was a 1-element 1-D Variable and "
            "`loss.data[0]` was a Python float, the idiom every training loop used to "
            "log or accumulate it. Since 0.4 losses and full reductions (`sum()`, "
            "`mean()`) are 0-dim tensors, and torch 2.13 raises ``IndexError: invalid "
            "index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number``. "
            "Dropping the index without calling `.item()` (`total += loss`) is no "
            "cure: it accumulates tensors that keep every iteration's graph alive."
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
        example_expects=((Code.SCALAR_DATA_INDEX, 4, 9),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe when the receiver is known to be 0-dim (a loss or a full reduction): "
            "`.item()` returns the Python number that 0.3 returned. When the "
            "receiver's shape is unknown the diagnostic comes without a fix, because "
            "`[0]` on a 1-D tensor is correct modern code."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.ASYNC_KEYWORD,
        name="async-keyword",
        message="`async=` is a SyntaxError since Python 3.7; use `non_blocking=`",
        what="`async=` keyword arguments of `.cuda()`, `.to()`, `.cpu()` and friends.",
        why=(
            "0.3 on Python 3.6 and earlier accepted `.cuda(async=True)` to overlap "
            "host-to-device copies with computation. `async` is a reserved keyword "
            "since Python 3.7, so the whole module fails to compile with `SyntaxError: "
            "invalid syntax` before any of it runs. PyTorch 0.4 renamed the argument "
            "`non_blocking`; `.to(device, non_blocking=True)` is the device-agnostic "
            "spelling."
        ),
        example=(
            "import torch\n"
            "x = torch.ones(3)\n"
            "if torch.cuda.is_available():\n"
            "    x = x.cuda(async=True)\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.ones(3)\n"
            "if torch.cuda.is_available():\n"
            "    x = x.cuda(non_blocking=True)\n"
        ),
        example_expects=((Code.ASYNC_KEYWORD, 4, 16),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe: `non_blocking=` is the same argument under its new name. The fix "
            "works on tokens, since the file cannot be parsed until it is applied."
        ),
        fix=FIX_SAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.RETAIN_VARIABLES,
        name="retain-variables",
        message="`retain_variables=` was renamed `retain_graph=`",
        what="`backward(retain_variables=...)` and `torch.autograd.backward(..., retain_variables=...)`.",
        why=(
            "PyTorch 0.2 renamed the argument `retain_graph` and kept "
            "`retain_variables` as a deprecated alias; the alias is gone. torch 2.13 "
            "raises `TypeError: Tensor.backward() got an unexpected keyword argument "
            "'retain_variables'` (and `TypeError: backward() got an unexpected keyword "
            "argument 'retain_variables'` from `torch.autograd.backward`)."
        ),
        example=(
            "import torch\nx = torch.ones(2, requires_grad=True)\n"
            "(x * 2).sum().backward(retain_variables=True)\n"
        ),
        use_instead=(
            "import torch\nx = torch.ones(2, requires_grad=True)\n"
            "(x * 2).sum().backward(retain_graph=True)\n"
        ),
        example_expects=((Code.RETAIN_VARIABLES, 3, 24),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety="Safe: the same argument under its new name.",
        fix=FIX_SAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.LEGACY_TENSOR_CONSTRUCTOR,
        name="legacy-tensor-constructor",
        message="`{callee}(...)` is a legacy typed constructor; use `torch.tensor`/`torch.empty` "
        "with `dtype=` and `device=`",
        defaults={"callee": "torch.FloatTensor"},
        what="`torch.FloatTensor(...)`, `torch.LongTensor(...)`, `torch.Tensor([...])`, "
        "`torch.cuda.FloatTensor(...)` and the other typed constructors.",
        why=(
            "In 0.3 every dtype and device pair had its own tensor class, and calling "
            "the class was how tensors were made. On torch 2.13 the CPU constructors "
            "still run silently, but they overload two meanings: `torch.FloatTensor(2, "
            "3)` is an *uninitialised* tensor of shape (2, 3) while "
            "`torch.FloatTensor([2, 3])` holds the data (compare `torch.tensor(2)`, a "
            "scalar). They take no `requires_grad=` (`TypeError: new() received an "
            "invalid combination of arguments - got (int, requires_grad=bool), …`), "
            "`torch.Tensor(...)` follows the global default dtype, and "
            "`torch.cuda.FloatTensor(...)` raises `TypeError: type "
            "torch.cuda.FloatTensor not available. Torch not compiled with CUDA "
            "enabled.` on a machine without CUDA."
        ),
        example="import torch\nx = torch.FloatTensor([1, 2])\n",
        use_instead="import torch\nx = torch.tensor([1, 2], dtype=torch.float32)\n",
        example_expects=((Code.LEGACY_TENSOR_CONSTRUCTOR, 2, 5),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe for a literal list or tuple of numbers (`torch.tensor(data, "
            "dtype=...)`) and for integer sizes (`torch.empty(sizes, dtype=...)`). "
            "`torch.Tensor(...)` makes the project's default dtype: its fix writes no dtype "
            "where the factory makes the default itself (sizes, float literals), "
            "`dtype=torch.float32` where the project is known never to change the default, "
            "else `dtype=torch.get_default_dtype()`. A typed CPU constructor's fix is "
            "unsafe in a project that may make a CUDA type the default tensor type. "
            "Other arguments (a variable, a numpy array, a `Size`) are reported "
            "without a fix, because the constructor's meaning depends on the "
            "argument's runtime type."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code=Code.LEGACY_TYPE_CAST,
        name="legacy-type-cast",
        message="`.type({type_name})` casts through a legacy tensor type; use `.to(dtype=..., "
        "device=...)`",
        defaults={"type_name": "torch.FloatTensor"},
        what="`x.type(torch.FloatTensor)`, `x.type(torch.cuda.LongTensor)`, `x.type('torch.FloatTensor')`.",
        why=(
            "0.3 code converted between its per-type classes with `.type(...)`. On "
            "torch 2.13 a CPU type still works silently (and differentiably), but the "
            "type name fuses dtype and device into one token, and a `torch.cuda.*` "
            "type raises `RuntimeError: Cannot initialize CUDA without ATen_cuda "
            "library. …` on a machine without CUDA, where `.to(dtype)` would have run."
        ),
        example="import torch\nx = torch.zeros(2, dtype=torch.long)\ny = x.type(torch.FloatTensor)\n",
        use_instead="import torch\nx = torch.zeros(2, dtype=torch.long)\ny = x.to('cpu', torch.float32)\n",
        example_expects=((Code.LEGACY_TYPE_CAST, 3, 5),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe for CPU types on a receiver known to be a tensor (made by a factory or an "
            "op in the same scope): `.type(torch.FloatTensor)` becomes "
            "`.to('cpu', torch.float32)` (the legacy type also names the CPU, so a CUDA "
            "tensor moved back to the host); both return `self` when nothing changes, "
            "and both are differentiable. On any other receiver the same fix is unsafe: it "
            "may be an `nn.Module`, whose `.type` also casts integer buffers such as "
            "BatchNorm's `num_batches_tracked` while `.to` keeps them int64. CUDA types are rewritten to `.to(dtype, "
            "device='cuda')`, which is unsafe: the original also moved a CPU tensor to "
            "the *current* CUDA device and kept a CUDA tensor where it was."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code=Code.GRAD_DATA_ZERO,
        name="grad-data-zero",
        message="`.grad.data.zero_()` goes through legacy `.data` and fails when `.grad` is None; "
        "use `optimizer.zero_grad()` or `.grad.zero_()`",
        what="`p.grad.data.zero_()`.",
        why=(
            "In 0.3 `.grad` was a Variable, so loops zeroed it through `.data`. Since "
            "0.4 `.grad` is a plain tensor that does not require grad, and `.data` "
            "adds nothing. Since PyTorch 2.0 `optimizer.zero_grad()` and "
            "`module.zero_grad()` set gradients to `None` by default, after which (as "
            "before the first backward) the legacy line raises `AttributeError: "
            "'NoneType' object has no attribute 'data'`."
        ),
        example=(
            "import torch\n"
            "p = torch.ones(3, requires_grad=True)\n"
            "(p * 2).sum().backward()\n"
            "p.grad.data.zero_()\n"
        ),
        use_instead=(
            "import torch\n"
            "p = torch.ones(3, requires_grad=True)\n"
            "(p * 2).sum().backward()\n"
            "p.grad.zero_()\n"
        ),
        example_expects=((Code.GRAD_DATA_ZERO, 4, 1),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe: `p.grad.zero_()` does the same in-place zeroing, and raises in the "
            "same case (`p.grad` is None). Setting `p.grad = None` or calling "
            "`optimizer.zero_grad()` is the idiomatic next step, left to a person."
        ),
        fix=FIX_SAFE,
    ),
    Rule(
        code=Code.VARIABLE_TYPE_CHECK,
        name="variable-type-check",
        message="`{check}` against `Variable` no longer distinguishes anything: "
        "`isinstance(x, Variable)` is true for every tensor and `type(x) == Variable` is "
        "always false",
        defaults={"check": "isinstance"},
        what="`isinstance(x, Variable)`, `type(x) == Variable`, `type(x) is Variable`.",
        why=(
            "In 0.3 these tests told Variables from plain tensors. On torch 2.13 "
            "`isinstance(t, Variable)` is True for every tensor (float, integer, "
            "`nn.Parameter`), and `type(t) == Variable` is always False, even for `t = "
            "Variable(x)`, whose type is `torch.Tensor`. Branches written to tell the "
            "two apart take the same path every time, silently."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\nx = torch.randn(2)\n"
            "ok = isinstance(x, Variable)\n"
        ),
        use_instead="import torch\nx = torch.randn(2)\nok = isinstance(x, torch.Tensor)\n",
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_TYPE_CHECK, 4, 6),
        ),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "`isinstance(x, Variable)` → `isinstance(x, torch.Tensor)` is safe: the "
            "result is identical on modern PyTorch. `type(x) == Variable` is reported "
            "without a fix: it is always False today, and what the author meant is for "
            "a person to decide."
        ),
        fix=FIX_SOMETIMES,
    ),
    Rule(
        code=Code.VOLATILE_ATTRIBUTE,
        name="volatile-attribute",
        message="`.volatile` is always False and setting it has no effect; use `torch.no_grad()`",
        what="Reads and writes of `x.volatile`.",
        why=(
            "In 0.3 `volatile` was a real flag that spread through computations (see "
            "LV103). torch 2.13 returns False for a read, with `UserWarning: volatile "
            "was removed (Variable.volatile is always False)`, and ignores a write, "
            "with ``UserWarning: volatile was removed and now has no effect. Use `with "
            "torch.no_grad():` instead.``, on every call. Code that branches on the "
            "flag always takes the training path."
        ),
        example=(
            "import torch\n"
            "x = torch.randn(3)\n"
            "flag = x.volatile\n"
        ),
        use_instead="import torch\nflag = not torch.is_grad_enabled()\n",
        example_expects=((Code.VOLATILE_ATTRIBUTE, 3, 8),),
        fix_safety="No fix: the replacement depends on what the flag was used for.",
        stock_outcome="warns",
    ),
    Rule(
        code=Code.LEGACY_AUTOGRAD_FUNCTION,
        name="legacy-autograd-function",
        message="legacy `autograd.Function` with non-static `{method}`; use `@staticmethod` "
        "with `ctx` and call `{cls}.apply(...)`",
        defaults={"method": "forward", "cls": "Function"},
        what=(
            "Subclasses of `torch.autograd.Function` whose `forward`/`backward` are instance "
            "methods, and calls of such functions through an instance (`MyFn()(x)`)."
        ),
        why=(
            "0.3 custom functions were objects: state went into `__init__`, `forward` "
            "saved tensors on `self`, and each call instantiated the class. Since 0.4 "
            "they are static: `forward(ctx, ...)` and `backward(ctx, ...)`, called as "
            "`MyFn.apply(...)`. torch 2.13 first warns `DeprecationWarning: <class "
            "'...MyReLU'> should not be instantiated. Methods on autograd functions "
            "are all static, so you should invoke them on the class itself. …` and "
            "then raises `RuntimeError: Legacy autograd function with non-static "
            "forward method is deprecated. Please use new-style autograd function with "
            "static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)`."
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
            "y = MyReLU()(torch.randn(3, requires_grad=True))\n"
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
            "y = MyReLU.apply(torch.randn(3, requires_grad=True))\n"
        ),
        example_expects=(
            (Code.LEGACY_AUTOGRAD_FUNCTION, 3, 5),
            (Code.LEGACY_AUTOGRAD_FUNCTION, 6, 5),
            (Code.LEGACY_AUTOGRAD_FUNCTION, 9, 5),
        ),
        example_fixed_unsafe=(
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
            "y = MyReLU.apply(torch.randn(3, requires_grad=True))\n"
        ),
        fix_safety=(
            "Unsafe: rewriting to `@staticmethod` with `ctx` is offered only for "
            "simple shapes (no constructor state), and call sites `MyFn()(x)` must "
            "become `MyFn.apply(x)`; with `--unsafe-fixes` only."
        ),
        fix=FIX_UNSAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.LOSS_REDUCTION_KWARGS,
        name="loss-reduction-kwargs",
        message="`size_average=`/`reduce=` are deprecated; use `reduction={reduction}`",
        defaults={"reduction": "'mean'|'sum'|'none'"},
        what="`size_average=` and `reduce=` arguments of loss modules and functions.",
        why=(
            "0.3 chose between a summed, averaged or per-element loss with two "
            "booleans; 0.4.1 replaced them with one `reduction=` string. torch 2.13 "
            "still maps the booleans onto `reduction` (the values are equal) but "
            "warns, for example `UserWarning: size_average and reduce args will be "
            "deprecated, please use reduction='sum' instead.` (`'mean'` or `'none'` "
            "for the other combinations)."
        ),
        example="import torch.nn as nn\ncriterion = nn.CrossEntropyLoss(size_average=False)\n",
        use_instead="import torch.nn as nn\ncriterion = nn.CrossEntropyLoss(reduction='sum')\n",
        example_expects=((Code.LOSS_REDUCTION_KWARGS, 2, 33),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe when both values are literals (or absent): the fix writes the "
            "`reduction=` value torch itself derives (`reduce=False` → 'none', "
            "`size_average=False` → 'sum', otherwise 'mean')."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    Rule(
        code=Code.IMPLICIT_SOFTMAX_DIM,
        name="implicit-softmax-dim",
        message="`{callee}` without `dim=` picks a dimension implicitly (0 for 0-, 1- and 3-D "
        "input, 1 otherwise); pass `dim=` explicitly",
        defaults={"callee": "softmax"},
        what="`F.softmax(x)`, `F.log_softmax(x)`, `F.softmin(x)`, `nn.Softmax()`, `nn.LogSoftmax()` without `dim`.",
        why=(
            "0.3 picked the dimension for you. torch 2.13 still does, with "
            "`UserWarning: Implicit dimension choice for softmax has been deprecated. "
            "Change the call to include dim=X as an argument.`, and the choice is 0 "
            "for 0-, 1- and 3-D input but 1 otherwise: for a (batch, classes) batch "
            "that is the right axis, for a 3-D (seq, batch, features) tensor it "
            "normalises over time steps, silently."
        ),
        example=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "x = torch.randn(2, 3)\n"
            "y = F.softmax(x)\n"
        ),
        use_instead=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "x = torch.randn(2, 3)\n"
            "y = F.softmax(x, dim=-1)\n"
        ),
        example_expects=((Code.IMPLICIT_SOFTMAX_DIM, 4, 5),),
        fix_safety=(
            "No automatic fix: the right `dim` depends on the input's rank and layout, "
            "which are not known statically."
        ),
        stock_outcome="warns",
    ),
    Rule(
        code=Code.DEPRECATED_FUNCTIONAL,
        name="deprecated-functional",
        message="`{callee}` is deprecated; use `{replacement}`",
        defaults={"callee": "F.sigmoid", "replacement": "torch.sigmoid"},
        what="`F.sigmoid`, `F.tanh`, `F.upsample`, `F.upsample_bilinear`, `F.upsample_nearest`.",
        why=(
            "`F.sigmoid` and `F.tanh` are deprecated aliases of `torch.sigmoid` and "
            "`torch.tanh`; torch 2.13 runs them silently with the same results. "
            "`F.upsample*` warn, for example ``UserWarning: `nn.functional.upsample` "
            "is deprecated. Use `nn.functional.interpolate` instead.``. The trap is "
            "bilinear mode: 0.3's `F.upsample(x, mode='bilinear')` aligned corners, "
            "while the same call on 2.13 means `align_corners=False`, so results "
            "differ with no warning about it. (`F.upsample_bilinear` still aligns "
            "corners.)"
        ),
        example=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "x = torch.randn(3)\n"
            "y = F.sigmoid(x)\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.randn(3)\n"
            "y = torch.sigmoid(x)\n"
        ),
        example_expects=((Code.DEPRECATED_FUNCTIONAL, 4, 5),),
        example_fixed=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "x = torch.randn(3)\n"
            "y = torch.sigmoid(x)\n"
        ),
        fix_safety=(
            "Safe for `F.sigmoid`/`F.tanh` → `torch.sigmoid`/`torch.tanh` and for "
            "`F.upsample` → `F.interpolate` (same modern defaults). "
            "`F.upsample_bilinear` → `F.interpolate(..., mode='bilinear', "
            "align_corners=True)` is offered only with `--unsafe-fixes`. Restoring "
            "0.3's corner alignment in `F.upsample(mode='bilinear')` calls is a "
            "decision for a person."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="silent",
    ),
    Rule(
        code=Code.NON_INPLACE_INIT,
        name="non-inplace-init",
        message="`{callee}` is deprecated; use the in-place `{callee}_`",
        defaults={"callee": "nn.init.xavier_uniform"},
        what=(
            "`nn.init.xavier_uniform(w)` and the other initialisers without the "
            "trailing underscore (`xavier_normal`, `kaiming_uniform`, "
            "`kaiming_normal`, `uniform`, `normal`, `constant`, `orthogonal`, "
            "`sparse`, `eye`, `dirac`)."
        ),
        why=(
            "0.4 renamed the initialisers to end in `_`, PyTorch's mark for in-place "
            "operations. torch 2.13 still accepts the old names with ``FutureWarning: "
            "`nn.init.xavier_uniform` is now deprecated in favor of "
            "`nn.init.xavier_uniform_`.``; they are scheduled for removal."
        ),
        example=(
            "import torch.nn as nn\n"
            "layer = nn.Linear(2, 2)\n"
            "nn.init.xavier_uniform(layer.weight)\n"
        ),
        use_instead=(
            "import torch.nn as nn\n"
            "layer = nn.Linear(2, 2)\n"
            "nn.init.xavier_uniform_(layer.weight)\n"
        ),
        example_expects=((Code.NON_INPLACE_INIT, 3, 1),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety="Safe: the deprecated names call the underscored ones.",
        fix=FIX_SAFE,
        stock_outcome="warns",
    ),
    Rule(
        code=Code.CLIP_GRAD_NORM,
        name="clip-grad-norm",
        message="`clip_grad_norm` is deprecated; use `clip_grad_norm_`",
        what="`torch.nn.utils.clip_grad_norm(...)`.",
        why=(
            "0.4 renamed it `clip_grad_norm_` (it scales gradients in place). torch "
            "2.13 warns ``FutureWarning: `torch.nn.utils.clip_grad_norm` is now "
            "deprecated in favor of `torch.nn.utils.clip_grad_norm_`.`` Both return "
            "the total norm as a 0-dim tensor, where 0.3 returned a Python float: call "
            "`.item()` before logging or comparing it."
        ),
        example=(
            "import torch.nn as nn\n"
            "model = nn.Linear(2, 2)\n"
            "nn.utils.clip_grad_norm(model.parameters(), 5.0)\n"
        ),
        use_instead=(
            "import torch.nn as nn\n"
            "model = nn.Linear(2, 2)\n"
            "nn.utils.clip_grad_norm_(model.parameters(), 5.0)\n"
        ),
        example_expects=((Code.CLIP_GRAD_NORM, 3, 1),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety="Safe: the deprecated name calls the underscored one.",
        fix=FIX_SAFE,
        stock_outcome="warns",
    ),
    Rule(
        code=Code.TORCH_RANGE,
        name="torch-range",
        message="`torch.range` is deprecated and end-inclusive; `torch.arange` excludes the end",
        what="`torch.range(start, end)`.",
        why=(
            "`torch.range` includes its end and returns float32, unlike Python's "
            "`range`. torch 2.13 warns `UserWarning: torch.range is deprecated and "
            "will be removed in a future release because its behavior is inconsistent "
            "with Python's range builtin. Instead, use torch.arange, which produces "
            "values in [start, end).` `torch.range(0, 5)` has six float32 elements; "
            "`torch.arange(0, 5)` has five int64 ones, so it is not a drop-in "
            "replacement."
        ),
        example="import torch\nr = torch.range(0, 5)\n",
        use_instead="import torch\nr = torch.arange(0, 6, dtype=torch.float32)\n",
        example_expects=((Code.TORCH_RANGE, 2, 5),),
        example_fixed=(
            "import torch\n"
            "r = torch.arange(0, 6, dtype=torch.get_default_dtype())\n"
        ),
        fix_safety=(
            "Safe only for integer literal bounds with the default step: the fix writes "
            "`torch.arange(start, end + 1, dtype=...)` with the end computed. `torch.range` "
            "makes the default dtype, so the dtype written is `torch.float32` only when the "
            "checked project is known never to change the default (no "
            "`set_default_dtype`/`set_default_tensor_type` in any file); otherwise, and for "
            "a single text checked on its own, `torch.get_default_dtype()`. Other forms are "
            "reported without a fix (floating-point ends are not exact)."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="warns",
    ),
    # LV119-LV123: what real 2017-18 scripts hit beyond Variable (issue 8).
    Rule(
        code=Code.TENSOR_DATASET_KEYWORDS,
        name="tensor-dataset-keywords",
        message="`TensorDataset(data_tensor=..., target_tensor=...)` is the 0.3 keyword API; "
        "pass the tensors positionally: `TensorDataset({args})`",
        defaults={"args": "x, y"},
        what=(
            "`torch.utils.data.TensorDataset` called with the 0.3 keywords `data_tensor=` "
            "and/or `target_tensor=`."
        ),
        why=(
            "0.3's `TensorDataset(data_tensor, target_tensor)` took exactly two tensors, "
            "often by keyword. 0.4 made it `TensorDataset(*tensors)`, which has no "
            "keywords at all: torch 2.13 raises `TypeError: TensorDataset.__init__() got "
            "an unexpected keyword argument 'data_tensor'` (or `'target_tensor'` when only "
            "that one is a keyword). Items are the same `(data[i], target[i])` pairs "
            "either way."
        ),
        example=(
            "import torch\n"
            "from torch.utils.data import TensorDataset\n"
            "x, y = torch.randn(8, 3), torch.arange(8)\n"
            "dataset = TensorDataset(data_tensor=x, target_tensor=y)\n"
        ),
        use_instead=(
            "import torch\n"
            "from torch.utils.data import TensorDataset\n"
            "x, y = torch.randn(8, 3), torch.arange(8)\n"
            "dataset = TensorDataset(x, y)\n"
        ),
        example_expects=((Code.TENSOR_DATASET_KEYWORDS, 4, 25),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe: the fix passes the two tensors positionally, data first, which is "
            "exactly the dataset 0.3 built (and the only form modern PyTorch accepts). "
            "Not offered when other arguments are mixed in or `**kwargs` are unpacked. "
            "Legacy mode accepts the keywords."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.DOT_OF_MATRICES,
        name="dot-of-matrices",
        message="`{callee}` of {shapes} tensors: 0.3 flattened them and summed the products, "
        "modern `dot` takes only 1-D tensors; use `(a * b).sum()`",
        defaults={"callee": "dot", "shapes": "2-D"},
        what=(
            "`a.dot(b)` and `torch.dot(a, b)` where an operand has more than one dimension "
            "(statically: where the code shows it, e.g. a `Linear` layer's `.weight` or a "
            "tensor made with two sizes)."
        ),
        why=(
            "0.3's `dot` accepted any two tensors with the same number of elements and "
            "returned the sum of their elementwise products, as if both were flattened. "
            "Modern `dot` is the 1-D inner product only: torch 2.13 raises "
            "`RuntimeError: 1D tensors expected, but got 2D and 2D tensors`. (0.3 "
            "returned a Python number; today the result is a 0-dim tensor.)"
        ),
        example=(
            "import torch\n"
            "w = torch.randn(3, 4)\n"
            "similarity = w.dot(w)\n"
        ),
        use_instead=(
            "import torch\n"
            "w = torch.randn(3, 4)\n"
            "similarity = (w * w).sum()\n"
        ),
        example_expects=((Code.DOT_OF_MATRICES, 3, 14),),
        example_fixed_unsafe=(
            "import torch\n"
            "w = torch.randn(3, 4)\n"
            "similarity = (w * w).sum()\n"
        ),
        fix_safety=(
            "Unsafe (`--unsafe-fixes`): the fix writes `(a * b).sum()` (with `.reshape(-1)` "
            "on both operands when they are different expressions, since 0.3 only required "
            "equal element counts), which computes 0.3's value; it is offered only where the "
            "code shows a multi-dimensional operand, and a wrong guess would turn a 1-D "
            "`dot` into the same value by a different summation order. Legacy mode computes "
            "`(a * b).sum()` where stock `dot` raises."
        ),
        fix=FIX_UNSAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.VECTOR_INDEX_IS_ZERO_DIM,
        name="vector-index-is-zero-dim",
        message="`{target}` is 0-dim: indexing a 1-D tensor with an integer{variant} gives a "
        "0-dim tensor since 0.4 (0.3's Variable gave shape (1,)); index with a slice "
        "`[i:i + 1]` or call `.view(1)`",
        defaults={"target": "target"},
        # the index on another line than the loss call that uses the element
        variants={"indexed_at": " on line {index_line}"},
        what=(
            "An element taken out of a 1-D `Variable` with an integer index (`targets[i]`) "
            "and then used where a batch of one is expected: the target of "
            "`nll_loss`/`cross_entropy` (`nn.NLLLoss`, `nn.CrossEntropyLoss`). Statically: "
            "where the indexed tensor is shown to be 1-D (a literal list) and the element "
            "goes to such a loss directly or through one assignment."
        ),
        why=(
            "In 0.3 indexing a 1-D Variable with an integer returned a Variable of shape "
            "`(1,)` (only tensors gave numbers), so `criterion(output, targets[i])` was a "
            "batch of one. Since 0.4 it is a 0-dim tensor, and torch 2.13 raises "
            "`ValueError: Expected input batch_size (1) to match target batch_size (0).` "
            "Code that used the element as a number keeps working, which is why only the "
            "failing use is reported."
        ),
        example=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "from torch.autograd import Variable\n"
            "targets = Variable(torch.LongTensor([0, 2, 1]))\n"
            "output = F.log_softmax(torch.randn(1, 3), dim=1)\n"
            "loss = F.nll_loss(output, targets[1])\n"
        ),
        use_instead=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "targets = torch.tensor([0, 2, 1])\n"
            "output = F.log_softmax(torch.randn(1, 3), dim=1)\n"
            "loss = F.nll_loss(output, targets[1:2])\n"
        ),
        example_expects=(
            (Code.VARIABLE_IMPORT, 3, 28),
            (Code.VARIABLE_WRAPPER, 4, 11),
            (Code.LEGACY_TENSOR_CONSTRUCTOR, 4, 20),
            (Code.VECTOR_INDEX_IS_ZERO_DIM, 6, 27),
        ),
        example_fixed=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "targets = torch.tensor([0, 2, 1], dtype=torch.int64)\n"
            "output = F.log_softmax(torch.randn(1, 3), dim=1)\n"
            "loss = F.nll_loss(output, targets[1])\n"
        ),
        example_fixed_unsafe=(
            "import torch\n"
            "import torch.nn.functional as F\n"
            "targets = torch.tensor([0, 2, 1], dtype=torch.int64)\n"
            "output = F.log_softmax(torch.randn(1, 3), dim=1)\n"
            "loss = F.nll_loss(output, targets[1].view(1))\n"
        ),
        fix_safety=(
            "Unsafe (`--unsafe-fixes`): the fix passes the element to the loss as a batch of "
            "one (`target.view(1)`), what 0.3 computed, and leaves its other uses alone. It "
            "is reported only where the code shows a 1-D tensor indexed with an integer; "
            "the fix would be wrong for an unbatched `(C,)` input, which modern PyTorch "
            "accepts with a 0-dim target. Legacy mode, for tensors made by `Variable(...)`, "
            "names the indexing line at the failing loss call and retries it with "
            "`.view(1)`; calls that succeed are never touched."
        ),
        fix=FIX_UNSAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.TORCH_LOAD_WEIGHTS_ONLY,
        name="torch-load-weights-only",
        message="`torch.load`{file} {variant}: since PyTorch 2.6 "
        "`weights_only=True` is the default; load a `state_dict` saved with "
        "`torch.save(model.state_dict(), f)`, allow-list the classes with "
        "`torch.serialization.add_safe_globals([...])`, or, only for a file you trust, "
        "pass `weights_only=False` (`legacy-variable run --trust-pickles`)",
        defaults={"file": "", "detail": "a legacy checkpoint", "variant": "refused"},
        variants={
            # the runtime saw the refusal
            "refused": "refused to unpickle {detail}",
            # statically, a checkpoint-like path: a state_dict or a tensor loads fine
            "may_refuse": (
                "may be refused if the file holds a pickled object (a whole model, an "
                "optimizer, an `argparse.Namespace`)"
            ),
            # statically, the result is used as a model: the file holds a whole one
            "whole_model": (
                "is refused: the code uses what it loads as a model, so the file holds a "
                "whole pickled one"
            ),
        },
        what=(
            "`torch.load(...)` of what 0.3-era code saved: whole pickled modules "
            "(`torch.save(model, path)`), optimizer objects, `argparse.Namespace`, numpy "
            "arrays and scalars. Statically: `torch.load` without `weights_only=` whose "
            "result is used as a model (called, or `.eval()`, `.parameters()` ... on it), "
            "whatever its path; or of a path that looks like a checkpoint (`.pth`, `.pt`, "
            "`.pth.tar`, `.pkl`, `.ckpt`), which may be refused (a state_dict or a tensor "
            "loads fine), unless its result goes straight into `load_state_dict`."
        ),
        why=(
            "PyTorch 2.6 changed `torch.load`'s default to `weights_only=True`, an "
            "unpickler that only rebuilds tensors, containers and allow-listed types, "
            "because unpickling can run arbitrary code. Old checkpoints hold other "
            "objects, and torch 2.13 raises `UnpicklingError: Weights only load failed. "
            "... WeightsUnpickler error: Unsupported global: GLOBAL "
            "torch.nn.modules.linear.Linear was not an allowed global by default. Please "
            "use `torch.serialization.add_safe_globals([torch.nn.modules.linear.Linear])` "
            "...`. The refusal is a security boundary, so it must not be lowered "
            "silently."
        ),
        example=(
            "import os, tempfile\n"
            "import torch\n"
            "import torch.nn as nn\n"
            "path = os.path.join(tempfile.mkdtemp(), 'model.pth')\n"
            "torch.save(nn.Linear(2, 2), path)\n"
            "model = torch.load(path)\n"
        ),
        use_instead=(
            "import os, tempfile\n"
            "import torch\n"
            "import torch.nn as nn\n"
            "path = os.path.join(tempfile.mkdtemp(), 'model.pth')\n"
            "torch.save(nn.Linear(2, 2).state_dict(), path)\n"
            "model = nn.Linear(2, 2)\n"
            "model.load_state_dict(torch.load(path, weights_only=True))\n"
        ),
        example_expects=((Code.TORCH_LOAD_WEIGHTS_ONLY, 6, 9),),
        fix_safety=(
            "No automatic fix: `weights_only=False` would execute whatever the file "
            "contains, which only a person who trusts the file may decide, and converting "
            "to a `state_dict` needs the model's class. Legacy mode reports the refusal "
            "and re-raises it; `legacy-variable run --trust-pickles` (or "
            "`legacy_variable.trust_pickles()`) retries refused loads with "
            "`weights_only=False`, and the run report says so."
        ),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.PRINT_REDUCTION_TENSOR,
        name="print-reduction-tensor",
        message="`{expr}` is a 0-dim tensor (0.3 returned a Python number): it prints as "
        "`tensor(...)`; use `{expr}.item()`",
        defaults={"expr": "x.sum()"},
        what=(
            "A full reduction (`.sum()`, `.mean()`, `.max()`, `.min()`, `.prod()`, "
            "`.norm()`, `.std()`, `.var()` without a dimension, or `torch.sum(x)` and "
            "friends) passed to `print(...)`, or formatted with `%s`/`%r`."
        ),
        why=(
            "0.3 returned Python numbers from full reductions of tensors, so scripts "
            "printed `7.5`. Since 0.4 the result is a 0-dim tensor: torch 2.13 prints "
            "`tensor(7.5000)` (with `grad_fn=...` when it requires grad), silently. "
            "Numeric formats (`%d`, `%.4f`, `'{:.4f}'.format`) still convert the tensor "
            "and are not reported."
        ),
        example=(
            "import torch\n"
            "x = torch.ones(3) * 2.5\n"
            "print(x.sum())\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.ones(3) * 2.5\n"
            "print(x.sum().item())\n"
        ),
        example_expects=((Code.PRINT_REDUCTION_TENSOR, 3, 7),),
        example_fixed_unsafe=(
            "import torch\n"
            "x = torch.ones(3) * 2.5\n"
            "print(x.sum().item())\n"
        ),
        fix_safety=(
            "Unsafe (`--unsafe-fixes`): appending `.item()` prints the number as 0.3 did, "
            "but the printed text changes (`7.5` instead of `tensor(7.5000)`), which a "
            "test comparing output would notice. Legacy mode leaves printing alone."
        ),
        faces=frozenset({STATIC}),
        fix=FIX_UNSAFE,
        stock_outcome="silent",
    ),
    Rule(
        code=Code.REWRAP_COMPUTED_TENSOR,
        name="rewrap-computed-tensor",
        message="`Variable({target}, requires_grad=True)` starts a new graph: gradients will not "
        "reach {inputs}",
        defaults={"target": "...", "inputs": "the tensors it was computed from"},
        what=(
            "`Variable(c, requires_grad=True)` where `c` was computed from tensors "
            "that the code expects gradients for (they were made with "
            "`requires_grad=True`, or their `.grad` is read later)."
        ),
        why=(
            "This is the classic misconception: compute `c = a + b`, wrap it as `c_var "
            "= Variable(c, requires_grad=True)`, call `c_var.backward(...)` and expect "
            "`a.grad` to be `[1, 1, 1]`. On torch 2.13 the wrap returns a detached "
            "*new leaf*, and a graph starts at its leaves: backward fills `c_var.grad` "
            "and stops. `a.grad` stays `None`, with no warning and no error, whether "
            "or not `a` required grad. (In 0.3 plain tensors were never part of a "
            "graph at all.) Wraps of `.data`, `.detach()` and fresh tensors are a "
            "deliberate new leaf (a gradient penalty's interpolate, say) and are not "
            "reported."
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
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_WRAPPER, 6, 9),
            (Code.REWRAP_COMPUTED_TENSOR, 6, 9),
        ),
        example_fixed_unsafe=(
            "import torch\n"
            "a = torch.ones(3, requires_grad=True)\n"
            "b = torch.ones(3, requires_grad=True)\n"
            "c = a + b\n"
            "c_var = c.detach().requires_grad_()\n"
            "c_var.backward(torch.ones_like(c_var))\n"
        ),
        fix_safety=(
            "No automatic fix: whether a new leaf was intended or the author expected "
            "gradients to flow back is a decision for a person. Backpropagate through "
            "`c` itself, and call `c.retain_grad()` first if `c`'s own gradient is "
            "needed too."
        ),
    ),
    Rule(
        code=Code.DETACHING_WRAP,
        name="detaching-wrap",
        message="`Variable({target})` silently detaches a tensor that has autograd history; "
        "gradients stop here",
        defaults={"target": "..."},
        what="`Variable(t)` where `t` requires grad or has a `grad_fn`.",
        why=(
            "In 0.3 wrapping a Variable raised `RuntimeError: Variable data has to be "
            "a tensor, but got Variable`. torch 2.13 accepts it silently and returns "
            "`t.detach()`: `requires_grad=False`, no `grad_fn`, shared storage. "
            "Nothing computed after the wrap contributes gradients to `t`'s inputs; if "
            "nothing else requires grad, a later `backward()` raises `RuntimeError: "
            "element 0 of tensors does not require grad and does not have a grad_fn`."
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
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_WRAPPER, 4, 5),
            (Code.DETACHING_WRAP, 4, 5),
        ),
        example_fixed_unsafe=(
            "import torch\n"
            "w = torch.ones(3, requires_grad=True)\n"
            "h = (w * 2).detach()\n"
        ),
        fix_safety=(
            "Unsafe: `Variable(t)` → `t.detach()` keeps today's meaning but spells out "
            "the cut; dropping the wrapper (the modern code above) changes which "
            "gradients flow, which is usually what the author wanted but has to be "
            "checked."
        ),
        fix=FIX_UNSAFE,
    ),
    Rule(
        code=Code.GRAD_ALWAYS_NONE,
        name="grad-always-none",
        message="`{target}.grad` is always None here{variant}",
        defaults={"target": "x"},
        variants={
            # a tensor wrapped again after it was computed with: the wrap is a new leaf
            "rewrapped": (
                ": `{target}` was re-wrapped at line {wrap_line}, which started a new graph; "
                "create `{target}` with requires_grad=True and call backward on the result "
                "instead"
            ),
            # a tensor that only flowed into a value that was then wrapped
            "flowed_into": (
                ": `{target}` only flowed into the new leaf made at line {wrap_line}, which "
                "started a new graph; call backward on a result computed from `{target}` "
                "itself"
            ),
            "no_requires_grad": (
                ": `{target}` does not require grad; create it with requires_grad=True (or "
                "call `{target}.requires_grad_()`) before computing with it"
            ),
            # a non-leaf whose computing line is known (static) ...
            "not_leaf": (
                ": `{target}` is not a leaf (computed at line {computed_line}); only leaves "
                "accumulate .grad: call `{target}.retain_grad()` before backward, or read the "
                "leaf's .grad"
            ),
            # ... or whose grad_fn is known (runtime)
            "not_leaf_op": (
                ": `{target}` is not a leaf (computed by {grad_fn}); only leaves accumulate "
                ".grad: call `{target}.retain_grad()` before backward, or read the leaf's .grad"
            ),
        },
        what=(
            "Reading `.grad` of a tensor that can never receive a gradient: it does not require "
            "grad, it is not a leaf, or it only flowed into a tensor that was re-wrapped as a "
            "new leaf (LV201)."
        ),
        why=(
            "Only leaves that require grad accumulate `.grad`. torch 2.13 returns "
            "`None` silently for a tensor that does not require grad, and `None` with "
            "`UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor "
            "is being accessed. Its .grad attribute won't be populated during "
            "autograd.backward(). …` for a non-leaf. Code that then uses the value "
            "fails far from the cause (`TypeError`/`AttributeError` on `None`), or "
            "prints `None` where a gradient was expected."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "a = torch.Tensor([1.0, 2.0, 3.0])\n"
            "b = torch.Tensor([4.0, 5.0, 6.0])\n"
            "c = a + b\n"
            "c_var = Variable(c, requires_grad=True)\n"
            "c_var.backward(torch.ones_like(c_var))\n"
            "print(a.grad)\n"
        ),
        use_instead=(
            "import torch\n"
            "a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
            "b = torch.tensor([4.0, 5.0, 6.0], requires_grad=True)\n"
            "c = a + b\n"
            "c.backward(torch.ones_like(c))\n"
            "print(a.grad)\n"
        ),
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.LEGACY_TENSOR_CONSTRUCTOR, 3, 5),
            (Code.LEGACY_TENSOR_CONSTRUCTOR, 4, 5),
            (Code.VARIABLE_WRAPPER, 6, 9),
            (Code.REWRAP_COMPUTED_TENSOR, 6, 9),
            (Code.GRAD_ALWAYS_NONE, 8, 7),
        ),
        example_fixed=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "a = torch.tensor([1.0, 2.0, 3.0])\n"
            "b = torch.tensor([4.0, 5.0, 6.0])\n"
            "c = a + b\n"
            "c_var = Variable(c, requires_grad=True)\n"
            "c_var.backward(torch.ones_like(c_var))\n"
            "print(a.grad)\n"
        ),
        example_fixed_unsafe=(
            "import torch\n"
            "a = torch.tensor([1.0, 2.0, 3.0])\n"
            "b = torch.tensor([4.0, 5.0, 6.0])\n"
            "c = a + b\n"
            "c_var = c.detach().requires_grad_()\n"
            "c_var.backward(torch.ones_like(c_var))\n"
            "print(a.grad)\n"
        ),
        fix_safety=(
            "No automatic fix: the graph has to be built differently (make the tensor "
            "a leaf that requires grad, or call `retain_grad()` on an intermediate "
            "before backward)."
        ),
    ),
    Rule(
        code=Code.NONSCALAR_BACKWARD,
        name="nonscalar-backward",
        message="`backward()` without `gradient` on a non-scalar tensor raises; pass "
        "`gradient=` or reduce first",
        what="`.backward()` with no `gradient` argument on a tensor that is not a scalar.",
        why=(
            "`backward()` computes a vector-Jacobian product; for a non-scalar output "
            "PyTorch needs the vector, and only a scalar gets an implicit `1`. torch "
            "2.13 raises `RuntimeError: grad can be implicitly created only for scalar "
            "outputs`. (0.3 raised as well; the classic article's wording that only "
            "scalars can call `backward()` is the same rule.)"
        ),
        example="import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ny.backward()\n",
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\ny = x * 2\ny.sum().backward()\n",
        example_expects=((Code.NONSCALAR_BACKWARD, 4, 1),),
        fix_safety=(
            "No automatic fix: reducing first (`y.sum().backward()`) or passing "
            "`y.backward(torch.ones_like(y))` are equal for a sum, but which reduction "
            "is meant depends on intent."
        ),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.DATA_MUTATION,
        name="data-mutation",
        message="in-place edit through `.data` is invisible to autograd; gradients may be wrong",
        what=(
            "In-place operations on `x.data` (`x.data.clamp_(...)`, `x.data[...] = "
            "...`) for a tensor that is part of a graph, outside optimizer-style "
            "parameter updates."
        ),
        why=(
            "`.data` returns a tensor that autograd does not track. An in-place edit "
            "through it is not checked against the values saved for backward, so "
            "backward silently uses the edited values. In the example `exp` saved its "
            "result, which the clamp overwrote: torch 2.13 gives `x.grad == "
            "tensor([2., 2., 2.])` where the true gradient of the clamped output is "
            "`tensor([0., 0., 0.])`. The same edit through `y.detach()` would raise "
            "`RuntimeError: one of the variables needed for gradient computation has "
            "been modified by an inplace operation: …` instead."
        ),
        example=(
            "import torch\n"
            "x = torch.ones(3, requires_grad=True)\n"
            "y = x.exp()\n"
            "y.data.clamp_(max=2.0)\n"
            "y.sum().backward()\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.ones(3, requires_grad=True)\n"
            "y = x.exp().clamp(max=2.0)\n"
            "y.sum().backward()\n"
        ),
        example_expects=((Code.DATA_MUTATION, 4, 1),),
        fix_safety=(
            "No automatic fix: an out-of-place operation (as above) or a "
            "`torch.no_grad()` block are the modern forms, and which one keeps the "
            "intended gradients is a decision for a person."
        ),
    ),
    Rule(
        code=Code.REQUIRE_GRAD_TYPO,
        name="require-grad-typo",
        message="`{target}.require_grad` is a typo for `requires_grad`: the flag is not set",
        defaults={"target": "x"},
        what="Assignments to `x.require_grad` (without the `s`).",
        why=(
            "Tensors accept arbitrary Python attributes, so the typo is stored "
            "silently and `x.requires_grad` stays False. A later backward raises "
            "`RuntimeError: element 0 of tensors does not require grad and does not "
            "have a grad_fn`, or, when something else requires grad, `x.grad` just "
            "stays `None`."
        ),
        example="import torch\nx = torch.ones(3)\nx.require_grad = True\n",
        use_instead="import torch\nx = torch.ones(3)\nx.requires_grad = True\n",
        example_expects=((Code.REQUIRE_GRAD_TYPO, 3, 1),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety="Safe: the attribute name is corrected.",
        fix=FIX_SAFE,
    ),
    Rule(
        code=Code.NUMPY_REQUIRES_GRAD,
        name="numpy-requires-grad",
        message="`.numpy()` raises on a tensor that requires grad; use `.detach().numpy()`",
        what="`.numpy()` on a tensor that requires grad.",
        why=(
            "0.3 code converted through `x.data.numpy()`; dropping `.data` while "
            "migrating leads here. torch 2.13 raises `RuntimeError: Can't call numpy() "
            "on Tensor that requires grad. Use tensor.detach().numpy() instead.` (also "
            "from `np.asarray(x)`)."
        ),
        example="import torch\nx = torch.ones(3, requires_grad=True)\na = x.numpy()\n",
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\na = x.detach().numpy()\n",
        example_expects=((Code.NUMPY_REQUIRES_GRAD, 3, 5),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe where the receiver is known to require grad: `.detach().numpy()` "
            "returns the same array (sharing memory, as `.numpy()` does). Add `.cpu()` "
            "for CUDA tensors."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.INTEGER_REQUIRES_GRAD,
        name="integer-requires-grad",
        message="`requires_grad=True` on an integer tensor raises: only floating point and "
        "complex tensors can require gradients",
        what="`requires_grad=True` for tensors of integer or bool dtype.",
        why=(
            "Gradients are only defined for floating point and complex values. torch "
            "2.13 raises `RuntimeError: Only Tensors of floating point and complex "
            "dtype can require gradients` (also from `Variable(long_tensor, "
            "requires_grad=True)`, which 0.3 code could write for index tensors)."
        ),
        example="import torch\nx = torch.zeros(3, dtype=torch.long, requires_grad=True)\n",
        use_instead="import torch\nx = torch.zeros(3, dtype=torch.float32, requires_grad=True)\n",
        example_expects=((Code.INTEGER_REQUIRES_GRAD, 2, 5),),
        fix_safety=(
            "No automatic fix: changing the dtype changes the values' meaning, and an "
            "index tensor should usually just not require grad."
        ),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.VOLATILE_AND_REQUIRES_GRAD,
        name="volatile-and-requires-grad",
        message="`volatile=True` together with `requires_grad=True` raises",
        what="`Variable(t, volatile=True, requires_grad=True)`.",
        why=(
            "The two flags contradict each other. torch 2.13 first warns about "
            "`volatile` (LV103) and then raises `ValueError: Variable can't be "
            "volatile and require_grad at the same time!`."
        ),
        example=(
            "import torch\nfrom torch.autograd import Variable\n"
            "x = Variable(torch.ones(3), volatile=True, requires_grad=True)\n"
        ),
        use_instead="import torch\nx = torch.ones(3, requires_grad=True)\n",
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_WRAPPER, 3, 5),
            (Code.VOLATILE_AND_REQUIRES_GRAD, 3, 5),
            (Code.VOLATILE_FLAG, 3, 29),
        ),
        fix_safety="No automatic fix: one of the two flags has to go, and which is a choice.",
        stock_outcome="raises",
    ),
    Rule(
        code=Code.STEP_BETWEEN_BACKWARDS,
        name="step-between-backwards",
        message="optimizer step between two backward passes over one graph: {variant}",
        defaults={"variant": "backward", "step_line": "?", "backward_line": "?"},
        variants={
            "backward": (
                "this backward goes through a graph recorded before the step at line "
                "{step_line}; PyTorch <= 1.4 silently used the weights that step had already "
                "changed"
            ),
            "step": (
                "the backward at line {backward_line} goes through a graph recorded before "
                "this step; PyTorch <= 1.4 silently used the weights this step changed"
            ),
        },
        what=(
            "`loss_a.backward(retain_graph=True)`, then `optimizer.step()`, then "
            "`loss_b.backward()` where `loss_b` shares the graph recorded before the step "
            "(the classic GAN loop: `D_loss.backward(retain_variables=True); "
            "D_solver.step(); G_loss.backward()`)."
        ),
        why=(
            "Up to PyTorch 1.4 optimizers updated `p.data` in place, which did not bump the "
            "parameters' version counters: the second backward passed autograd's check and "
            "computed its gradients with the *updated* weights, silently -- not the "
            "weights the forward pass used. Since 1.5 the step bumps the counters and "
            "torch 2.13 raises `RuntimeError: one of the variables needed for gradient "
            "computation has been modified by an inplace operation`. Legacy mode "
            "reproduces the old numbers and reports the step and the backward."
        ),
        example=(
            "import torch\n"
            "G = torch.nn.Linear(2, 2)\n"
            "D = torch.nn.Linear(2, 1)\n"
            "D_solver = torch.optim.SGD(D.parameters(), lr=0.1)\n"
            "D_fake = D(G(torch.randn(4, 2)))\n"
            "D_loss = D_fake.mean()\n"
            "G_loss = (-D_fake).mean()\n"
            "D_loss.backward(retain_graph=True)\n"
            "D_solver.step()\n"
            "G_loss.backward()\n"
        ),
        use_instead=(
            "import torch\n"
            "G = torch.nn.Linear(2, 2)\n"
            "D = torch.nn.Linear(2, 1)\n"
            "D_solver = torch.optim.SGD(D.parameters(), lr=0.1)\n"
            "D_fake = D(G(torch.randn(4, 2)))\n"
            "D_loss = D_fake.mean()\n"
            "G_loss = (-D_fake).mean()\n"
            "D_loss.backward(retain_graph=True)\n"
            "G_loss.backward()\n"
            "D_solver.step()\n"
        ),
        example_expects=((Code.STEP_BETWEEN_BACKWARDS, 10, 1),),
        fix_safety=(
            "No automatic fix: the modern code either calls the second backward before the "
            "step (gradients of the weights the forward used -- what was meant, with "
            "different numbers than 0.3 printed) or recomputes the forward pass after the "
            "step; which one is a choice about the training algorithm."
        ),
        stock_outcome="raises",
    ),
    Rule(
        code=Code.NUMPY_SCALAR_INDEX,
        name="numpy-scalar-index",
        message="`.{conversion}()[0]` of a 0-dim value raises on modern PyTorch; use `.item()`",
        defaults={"conversion": "numpy"},
        what=(
            "`loss.data.numpy()[0]`, `loss.cpu().numpy()[0]`, `loss.tolist()[0]` and the "
            "like on a loss or a full reduction."
        ),
        why=(
            "In 0.3 a loss was a 1-element 1-D tensor, so its NumPy array or list had one "
            "element and `[0]` took it out: the LV104 idiom spelled through a conversion. "
            "Since 0.4 the value is 0-dim: `.numpy()` gives a 0-d array and torch 2.13 code "
            "raises `IndexError: too many indices for array: array is 0-dimensional, but 1 "
            "were indexed`; `.tolist()` gives a plain number (`TypeError: 'float' object is "
            "not subscriptable`)."
        ),
        example=(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.mse_loss(torch.randn(3), torch.randn(3))\n"
            "total = loss.data.numpy()[0]\n"
        ),
        use_instead=(
            "import torch\nimport torch.nn.functional as F\n"
            "loss = F.mse_loss(torch.randn(3), torch.randn(3))\n"
            "total = loss.item()\n"
        ),
        example_expects=((Code.NUMPY_SCALAR_INDEX, 4, 9),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe where the value is shown 0-dim (a loss, a full reduction): `.item()` "
            "returns the number 0.3's `[0]` returned (a Python number rather than a NumPy "
            "scalar). Not reported when the shape is unknown: `[0]` of a 1-D array is "
            "correct modern code; legacy mode handles those at run time."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.TENSOR_CLASS_ATTRIBUTE,
        name="tensor-class-attribute",
        message="`.{attribute}` read on the tensor class is always truthy (a descriptor); "
        "read it on the tensor",
        defaults={"attribute": "is_cuda"},
        what="`type(x).is_cuda`, `x.__class__.is_cuda`, `torch.Tensor.is_cuda` (and `is_sparse`).",
        why=(
            "In 0.3 every tensor type had `is_cuda`/`is_sparse` class attributes (False for "
            "`torch.FloatTensor`, True for `torch.cuda.FloatTensor`) and `type(x)` was one "
            "of those types. Since 0.4 `type(x)` is `torch.Tensor` for every device, and on "
            "torch 2.13 `torch.Tensor.is_cuda` is the attribute's descriptor, `<attribute "
            "'is_cuda' of 'torch._C.TensorBase' objects>`: truthy, so a CPU run takes the "
            "CUDA branch. Legacy mode answers a class read from user code with 0.3's "
            "default-type value, False."
        ),
        example=(
            "import torch\n"
            "x = torch.ones(3)\n"
            "use_gpu = bool(type(x).is_cuda)\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.ones(3)\n"
            "use_gpu = bool(x.is_cuda)\n"
        ),
        example_expects=((Code.TENSOR_CLASS_ATTRIBUTE, 3, 16),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe for `type(x).is_cuda` and `x.__class__.is_cuda`: `x.is_cuda` is what 0.3's "
            "type attribute said about `x`. `torch.Tensor.is_cuda` (asking about the default "
            "type) has no automatic fix: write `torch.empty(0).is_cuda`."
        ),
        fix=FIX_SOMETIMES,
        stock_outcome="silent",
    ),
    Rule(
        code=Code.BYTE_MASK,
        name="byte-mask",
        message="a `uint8` (`.byte()`) mask in `{callee}` raises or is deprecated; use a bool mask",
        defaults={"callee": "masked_fill"},
        what=(
            "`.byte()` masks passed to `masked_fill`, `masked_fill_`, `masked_select`, "
            "`masked_scatter` or used as an index."
        ),
        why=(
            "In 0.3 comparisons returned ByteTensors and those were the masks, so code "
            "wrote `mask.byte()` or kept byte masks around. On torch 2.13 comparisons "
            "return bool tensors and byte masks fail: `RuntimeError: masked_fill_ only "
            "supports boolean masks, but got mask with dtype unsigned char`, "
            "`RuntimeError: masked_select: expected BoolTensor for mask`; as an index "
            "they warn `UserWarning: indexing with dtype torch.uint8 is now deprecated`, "
            "and assigning a number through one (`x[mask.byte()] = 0`) raises the "
            "`masked_fill_` error."
        ),
        example=(
            "import torch\n"
            "x = torch.randn(4)\n"
            "y = x.masked_fill((x > 0).byte(), 0.0)\n"
        ),
        use_instead=(
            "import torch\n"
            "x = torch.randn(4)\n"
            "y = x.masked_fill((x > 0).bool(), 0.0)\n"
        ),
        example_expects=((Code.BYTE_MASK, 3, 19),),
        example_fixed=(
            USE_INSTEAD
        ),
        fix_safety=(
            "Safe: `.bool()` marks exactly the non-zero elements, which is what a byte mask "
            "selected."
        ),
        fix=FIX_SAFE,
        stock_outcome="raises",
    ),
    Rule(
        code=Code.DATA_IS_NOT_VARIABLE,
        name="data-is-not-variable",
        message="`isinstance(..., Variable)` is true for `.data` too: this unwrapping never stops",
        what=(
            "Unwrapping helpers that follow `.data` until the value is no longer a "
            "Variable: `while isinstance(x, Variable): x = x.data`, or a function that "
            "calls itself on `x.data` under `if isinstance(x, Variable)`."
        ),
        why=(
            "In 0.3 `v.data` of a Variable was a plain tensor, not a Variable, so the loop "
            "ran once. Since 0.4 Variable and Tensor are one type: `isinstance(t, Variable)` "
            "is true for every tensor, `.data` of a tensor is a tensor, and the loop never "
            "ends (the recursive form raises `RecursionError`). Legacy mode answers False "
            "for tensors that `.data` handed out."
        ),
        example=(
            "import torch\n"
            "from torch.autograd import Variable\n"
            "def to_tensor(x):\n"
            "    while isinstance(x, Variable):\n"
            "        x = x.data\n"
            "    return x\n"
        ),
        use_instead=(
            "import torch\n"
            "def to_tensor(x):\n"
            "    return x.detach()\n"
        ),
        example_expects=(
            (Code.VARIABLE_IMPORT, 2, 28),
            (Code.VARIABLE_TYPE_CHECK, 4, 11),
            (Code.DATA_IS_NOT_VARIABLE, 4, 11),
        ),
        # LV102/LV110's fixes; the loop is still reported (it never ends on any version).
        example_fixed=(
            "import torch\n"
            "def to_tensor(x):\n"
            "    while isinstance(x, torch.Tensor):\n"
            "        x = x.data\n"
            "    return x\n"
        ),
        fix_safety=(
            "No automatic fix: the helper's intent (drop history: `x.detach()`; get a "
            "number: `.item()`; get an array: `.detach().cpu().numpy()`) is the author's."
        ),
        stock_outcome="silent",
    ),
    Rule(
        code=Code.DEFAULT_TENSOR_TYPE,
        name="default-tensor-type",
        message="`torch.set_default_tensor_type()` is deprecated; use "
        "`torch.set_default_dtype()` (and `torch.set_default_device()`)",
        what="`torch.set_default_tensor_type(...)` calls.",
        why=(
            "0.3 scripts and test modules chose double precision or CUDA with it at "
            "import. torch 2.13 still honours it but warns `UserWarning: "
            "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
            "torch.set_default_dtype() and torch.set_default_device() as alternatives.`; a "
            "suite that turns warnings into errors fails to import the module. Legacy mode "
            "keeps the call and reports it without torch's warning."
        ),
        example=(
            "import torch\n"
            "torch.set_default_tensor_type('torch.DoubleTensor')\n"
            "torch.set_default_tensor_type('torch.FloatTensor')\n"
        ),
        use_instead=(
            "import torch\n"
            "torch.set_default_dtype(torch.float64)\n"
            "torch.set_default_dtype(torch.float32)\n"
        ),
        fix_safety="Runtime only: legacy mode reports it; the replacement is written by hand.",
        faces=frozenset({RUNTIME}),
        stock_outcome="warns",
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
