"""What the checkers know about torch's names (canonical qualified names, no torch import)."""

from __future__ import annotations

VARIABLE = "torch.autograd.Variable"
FUNCTION = "torch.autograd.Function"
PARAMETER = "torch.nn.Parameter"

#: Calls that return a new tensor that nothing else references.
FRESH_FACTORIES = frozenset(
    "torch." + name
    for name in (
        "randn", "rand", "zeros", "ones", "empty", "full", "tensor", "from_numpy", "arange",
        "linspace", "logspace", "eye", "randint", "randperm", "normal", "zeros_like",
        "ones_like", "rand_like", "randn_like", "empty_like", "full_like", "randint_like",
        "bernoulli", "multinomial",
    )
)
#: Fresh factories differentiable in a tensor argument (``torch.normal(mu, 1.0)`` has history
#: when ``mu`` requires grad): fresh only when every argument is a literal.
GRAD_CARRYING_FACTORIES = frozenset({"torch.normal", "torch.bernoulli"})
#: Factories that accept ``requires_grad=``.
ACCEPT_REQUIRES_GRAD = frozenset(
    "torch." + name
    for name in (
        "randn", "rand", "zeros", "ones", "empty", "full", "tensor", "arange", "linspace",
        "logspace", "eye", "randint", "randperm", "zeros_like", "ones_like", "rand_like",
        "randn_like", "empty_like", "full_like", "randint_like",
    )
)
#: Factories whose positional arguments are sizes.
SIZE_FACTORIES = frozenset(
    "torch." + name for name in ("randn", "rand", "zeros", "ones", "empty")
)

_FLOAT_TYPES = {
    "FloatTensor": "float32",
    "DoubleTensor": "float64",
    "HalfTensor": "float16",
    "BFloat16Tensor": "bfloat16",
}
_INT_TYPES = {
    "LongTensor": "int64",
    "IntTensor": "int32",
    "ShortTensor": "int16",
    "CharTensor": "int8",
    "ByteTensor": "uint8",
    "BoolTensor": "bool",
}
#: Legacy typed constructors -> (dtype attribute of torch, device or None).
LEGACY_TENSOR_TYPES: dict[str, tuple[str, str | None]] = {"torch.Tensor": ("float32", None)}
for _name, _dtype in {**_FLOAT_TYPES, **_INT_TYPES}.items():
    LEGACY_TENSOR_TYPES["torch." + _name] = (_dtype, None)
    LEGACY_TENSOR_TYPES["torch.cuda." + _name] = (_dtype, "cuda")

INTEGER_DTYPES = frozenset(
    "torch." + name
    for name in (
        "long", "int64", "int", "int32", "short", "int16", "int8", "uint8", "bool",
        "uint16", "uint32", "uint64",
    )
)

#: Factories that make int64 without ``dtype=`` whatever their arguments.
INTEGER_FACTORIES = frozenset({"torch.randint", "torch.randperm", "torch.randint_like"})
#: Factories that make int64 without ``dtype=`` when every number given is an integer
#: (``torch.arange(0, 3)``; 0.3 made them float).
INFERRING_FACTORIES = frozenset({"torch.arange", "torch.tensor"})

#: Full reductions: with no arguments they return a 0-dim tensor.
REDUCTION_METHODS = frozenset(
    {"sum", "mean", "prod", "norm", "max", "min", "std", "var", "median", "logsumexp", "all",
     "any", "amax", "amin", "nansum", "nanmean", "dist"}
)
REDUCTION_FUNCTIONS = frozenset("torch." + name for name in REDUCTION_METHODS)

#: Methods whose result has the receiver's shape (so a multi-element input stays so).
ELEMENTWISE_METHODS = frozenset(
    {"exp", "log", "sigmoid", "tanh", "relu", "abs", "neg", "sqrt", "rsqrt", "pow", "clamp",
     "mul", "add", "sub", "div", "float", "double", "half", "cpu", "cuda", "to", "clone",
     "sin", "cos", "square", "reciprocal", "exp_", "log1p", "expm1", "contiguous", "t"}
)

#: Functional losses (``torch.nn.functional.<name>``); their default result is 0-dim.
FUNCTIONAL_LOSSES = frozenset(
    "torch.nn.functional." + name
    for name in (
        "nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
        "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div",
        "poisson_nll_loss", "gaussian_nll_loss", "hinge_embedding_loss",
        "multilabel_margin_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
        "cosine_embedding_loss", "margin_ranking_loss", "multi_margin_loss",
        "triplet_margin_loss", "triplet_margin_with_distance_loss", "ctc_loss",
    )
)
#: Local names that, called, conventionally compute a loss.
LOSS_CALLEE_NAMES = frozenset(
    {"criterion", "criterion_", "crit", "loss_fn", "loss_func", "lossfn", "loss_function",
     "lossfunc", "loss_fcn"}
)


def is_loss_module(qualname: str | None) -> bool:
    """``torch.nn.<Something>Loss``: the classes that take ``size_average``/``reduce``."""
    return (
        qualname is not None
        and qualname.startswith("torch.nn.")
        and qualname.count(".") == 2
        and qualname.endswith("Loss")
    )


SOFTMAX_FUNCTIONS = frozenset(
    "torch.nn.functional." + name for name in ("softmax", "log_softmax", "softmin")
)
SOFTMAX_MODULES = frozenset("torch.nn." + name for name in ("Softmax", "LogSoftmax", "Softmin"))

INIT_NAMES = frozenset(
    {"xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "uniform",
     "normal", "constant", "orthogonal", "sparse", "eye", "dirac"}
)
INIT_FUNCTIONS = frozenset("torch.nn.init." + name for name in INIT_NAMES)
CLIP_GRAD_NORM = "torch.nn.utils.clip_grad_norm"
TORCH_RANGE = "torch.range"
AUTOGRAD_BACKWARD = frozenset({"torch.autograd.backward", "torch.autograd.grad"})
