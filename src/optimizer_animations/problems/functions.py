"""Two-variable loss landscapes: the classic test functions and formulas from a config.

A formula is parsed into Python's syntax tree and checked against a whitelist
(variables `x` and `y`, numbers, `+ - * / **`, unary minus, parentheses, the
functions in `FUNCTIONS` and the constant `pi`), then evaluated by walking
that tree with NumPy's or TensorFlow's functions. Nothing from a config is
ever passed to `eval` or `sympify`, which run arbitrary code.
"""

import ast
import math
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_FORMULA_LENGTH = 500
VARIABLES = ("x", "y")
CONSTANTS = {"pi": math.pi}
FUNCTIONS = ("sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh")
OPERATORS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
ALLOWED = (
    "variables x and y, numbers, + - * / **, unary minus, parentheses,"
    f" {', '.join(FUNCTIONS)} and pi"
)
# Every character such a formula can need: a comment ('#') passes the parser
# unseen, and would then be shown, as text or as mathtext ('$'), in every
# figure, page and report that states the formula.
FORMULA_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_.+-*/() ")


class FormulaError(ValueError):
    """A formula outside the whitelist; the message names the offending part."""


def parse_formula(formula: str) -> ast.Expression:
    """The checked syntax tree of `formula`, or FormulaError saying what is not allowed."""
    if not isinstance(formula, str):
        raise FormulaError(f"a formula must be a string, got {formula!r}")
    if len(formula) > MAX_FORMULA_LENGTH:
        raise FormulaError(
            f"the formula has {len(formula)} characters, more than {MAX_FORMULA_LENGTH}"
        )
    try:
        tree = ast.parse(formula.strip(), mode="eval")
    except SyntaxError as error:
        raise FormulaError(f"{formula!r} is not a formula: {error.msg}") from None
    for node in ast.walk(tree):
        _check_node(node, formula)
    # The tree holds only whitelisted parts; what else the text holds is a
    # comment or odd white space, which the tree never shows.
    for position, character in enumerate(formula, start=1):
        if character not in FORMULA_CHARACTERS:
            why = " (it would start a comment)" if character == "#" else ""
            raise FormulaError(
                f"character {position}, {character!r}, is not allowed in a formula{why};"
                f" allowed: {ALLOWED}, and spaces"
            )
    return tree


def _part(node: ast.AST, formula: str) -> str:
    return ast.get_source_segment(formula.strip(), node) or ast.unparse(node)


MAX_CONSTANT = 1e6  # as the config's other numbers


def _check_node(node: ast.AST, formula: str) -> None:
    if isinstance(node, (ast.Expression, ast.Load, *OPERATORS, *UNARY)):
        return
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY:
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise FormulaError(f"`{_part(node, formula)}` is not a number; allowed: {ALLOWED}")
        # float() of a 400-digit integer raises, 1e999 is infinite: both in a job.
        if not abs(node.value) <= MAX_CONSTANT:
            raise FormulaError(
                f"`{_part(node, formula)}` is larger than {MAX_CONSTANT:g}; allowed: numbers"
                f" up to {MAX_CONSTANT:g}"
            )
        return
    if isinstance(node, ast.Name):
        if node.id in VARIABLES or node.id in CONSTANTS or node.id in FUNCTIONS:
            return
        raise FormulaError(f"unknown name {node.id!r}; allowed: {ALLOWED}")
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            raise FormulaError(
                f"`{_part(node.func, formula)}` is not a function one may call; allowed: {ALLOWED}"
            )
        if len(node.args) != 1 or node.keywords:
            raise FormulaError(f"`{_part(node, formula)}`: {name} takes exactly one argument")
        return
    raise FormulaError(
        f"`{_part(node, formula)}` ({type(node).__name__}) is not allowed in a formula;"
        f" allowed: {ALLOWED}"
    )


# `a ** n` for a whole n up to this is computed as a product: TensorFlow's
# pow kernel rounds differently for one value than for a vector of them,
# multiplication never does (so landscape runs can be stacked).
MAX_PRODUCT_POWER = 8


def product_power(node: ast.AST) -> int | None:
    """n when `node` is `a ** n` with a whole n in 1..MAX_PRODUCT_POWER, else None."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)):
        return None
    exponent = node.right
    if isinstance(exponent, ast.Constant) and not isinstance(exponent.value, bool):
        n = exponent.value
        if float(n).is_integer() and 1 <= n <= MAX_PRODUCT_POWER:
            return int(n)
    return None


def elementwise_exact(tree: ast.Expression) -> bool:
    """Whether the formula uses only + - * / and whole powers: operations that
    round alike for one value and for a vector (no function, no other power)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            return False
        is_power = isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow)
        if is_power and product_power(node) is None:
            return False
    return True


def evaluate(tree: ast.Expression, x: Any, y: Any, math_module: Any) -> Any:
    """The checked formula at (x, y), with `math_module`'s functions (numpy, tf.math)."""
    variables = {"x": x, "y": y, **CONSTANTS}

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if (n := product_power(node)) is not None:
            base = value(node.left)  # type: ignore[attr-defined]
            result = base
            for _ in range(n - 1):
                result = result * base
            return result
        if isinstance(node, ast.BinOp):
            return OPERATORS[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.UnaryOp):
            return UNARY[type(node.op)](value(node.operand))
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return variables[node.id]
        if isinstance(node, ast.Call):
            return getattr(math_module, node.func.id)(value(node.args[0]))
        raise FormulaError(f"unchecked node {type(node).__name__}")  # parse_formula refuses it

    return value(tree)


def _divide(a: float, b: float) -> float:
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _power(a: float, b: float) -> float:
    odd = float(b).is_integer() and b % 2 == 1
    try:
        return math.pow(a, b)
    except OverflowError:
        return -math.inf if a < 0 and odd else math.inf
    except ValueError:  # 0 to a negative power, or a negative base to a fraction
        if a == 0:
            return math.copysign(math.inf, a) if odd else math.inf
        return math.nan


class _Float(float):
    """A float whose arithmetic gives IEEE 754's inf and nan where Python's
    raises, as NumPy's float64 does: a formula's value without NumPy."""

    def __add__(self, other: Any) -> "_Float":
        return _Float(float(self) + _real(other))

    def __radd__(self, other: Any) -> "_Float":
        return _Float(_real(other) + float(self))

    def __sub__(self, other: Any) -> "_Float":
        return _Float(float(self) - _real(other))

    def __rsub__(self, other: Any) -> "_Float":
        return _Float(_real(other) - float(self))

    def __mul__(self, other: Any) -> "_Float":
        return _Float(float(self) * _real(other))

    def __rmul__(self, other: Any) -> "_Float":
        return _Float(_real(other) * float(self))

    def __truediv__(self, other: Any) -> "_Float":
        return _Float(_divide(float(self), _real(other)))

    def __rtruediv__(self, other: Any) -> "_Float":
        return _Float(_divide(_real(other), float(self)))

    def __pow__(self, other: Any) -> "_Float":  # type: ignore[override]
        return _Float(_power(float(self), _real(other)))

    def __rpow__(self, other: Any) -> "_Float":  # type: ignore[override]
        return _Float(_power(_real(other), float(self)))

    def __neg__(self) -> "_Float":
        return _Float(-float(self))

    def __pos__(self) -> "_Float":
        return self


def _real(value: Any) -> float:
    # A constant-only part that Python computes as complex, e.g. (-1) ** 0.5.
    return math.nan if isinstance(value, complex) else float(value)


def _log(a: float) -> float:
    if a == 0:
        return -math.inf
    return math.log(a) if a > 0 else math.nan


class _IEEEMath:
    """The formula functions on _Float, with IEEE 754's inf and nan where `math` raises."""

    @staticmethod
    def _apply(function: Callable[[float], float], a: Any) -> _Float:
        a = _real(a)
        try:
            return _Float(function(a))
        except OverflowError:
            return _Float(math.inf)  # exp and its kin, the only ones that overflow
        except ValueError:  # outside the domain: sin(inf), sqrt(-1)
            return _Float(math.nan)

    def __getattr__(self, name: str) -> Callable[[Any], _Float]:
        function = {"log": _log, "abs": abs}.get(name) or getattr(math, name)
        return lambda a: self._apply(function, a)


def value_at(tree: ast.Expression, x: float, y: float) -> float:
    """The checked formula's value at one point, in float64 with inf and nan as
    NumPy would give them, from the standard library alone (the Snakefile's
    check of a start, where NumPy may not be installed)."""
    try:
        return _real(evaluate(tree, _Float(x), _Float(y), _IEEEMath()))
    except (ArithmeticError, ValueError):  # a part of constants only, e.g. 10 ** 1000
        return math.nan


@dataclass(frozen=True)
class Landscape:
    """A named 2-D test function: its formula, plot domain, usual start and minima."""

    name: str
    formula: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]

    @classmethod
    def from_mapping(cls, name: str, function: dict[str, Any]) -> "Landscape":
        """From {formula, domain, start, minima} (a config's or a history's `meta`)."""
        return cls(
            name,
            function["formula"],
            tuple(map(tuple, function["domain"])),  # type: ignore[arg-type]
            tuple(function["start"]),  # type: ignore[arg-type]
            tuple(map(tuple, function.get("minima", []))),
        )


def quadratic(condition: float = 10.0) -> Landscape:
    """An ill-conditioned bowl: curvature 1 along x and `condition` along y."""
    return Landscape(
        "quadratic",
        f"0.5 * (x**2 + {float(condition)!r} * y**2)",
        ((-2.0, 2.0), (-2.0, 2.0)),
        (-1.8, 1.2),
        ((0.0, 0.0),),
    )


# The usual definitions (see ../shared/references.md), with starts public
# visualizers use.
BUILT_IN: dict[str, Landscape] = {
    "rosenbrock": Landscape(
        "rosenbrock",
        "(1 - x)**2 + 100 * (y - x**2)**2",
        ((-2.0, 2.0), (-1.0, 3.0)),
        (-1.5, 2.0),
        ((1.0, 1.0),),
    ),
    "beale": Landscape(
        "beale",
        "(1.5 - x + x*y)**2 + (2.25 - x + x*y**2)**2 + (2.625 - x + x*y**3)**2",
        ((-4.5, 4.5), (-4.5, 4.5)),
        (1.0, 1.5),
        ((3.0, 0.5),),
    ),
    "himmelblau": Landscape(
        "himmelblau",
        "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
        ((-5.0, 5.0), (-5.0, 5.0)),
        (0.0, 0.0),
        ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
    ),
    "rastrigin": Landscape(
        "rastrigin",
        "20 + x**2 - 10 * cos(2 * pi * x) + y**2 - 10 * cos(2 * pi * y)",
        ((-5.12, 5.12), (-5.12, 5.12)),
        (3.3, -2.7),
        ((0.0, 0.0),),
    ),
    "saddle": Landscape("saddle", "x**2 - y**2", ((-2.0, 2.0), (-2.0, 2.0)), (-1.5, 0.01), ()),
    "quadratic": quadratic(),
}


# The built-ins' arguments: `function: {name: quadratic, condition: 100}`.
BUILT_IN_ARGUMENTS: dict[str, Callable[..., Landscape]] = {"quadratic": quadratic}


def built_in(name: str, **arguments: Any) -> Landscape:
    """A built-in landscape, with its arguments if it takes any."""
    if arguments:
        return BUILT_IN_ARGUMENTS[name](**arguments)
    return BUILT_IN[name]


def nearest_minimum_distance(position: Sequence[float], minima: Sequence[Sequence[float]]) -> float:
    """Euclidean distance from `position` to the nearest of `minima` (inf without minima)."""
    if not minima:
        return math.inf
    return min(math.dist(position, minimum) for minimum in minima)


def first_outside(points: Any, domain: Sequence[Sequence[float]]) -> int | None:
    """The first row of `points` (N, 2) outside `domain` or not finite; None if none."""
    import numpy as np

    (x0, x1), (y0, y1) = domain
    x, y = np.asarray(points, dtype=float).T
    with np.errstate(invalid="ignore"):
        outside = ~(np.isfinite(x) & np.isfinite(y) & (x0 <= x) & (x <= x1) & (y0 <= y) & (y <= y1))
    return int(np.argmax(outside)) if outside.any() else None
