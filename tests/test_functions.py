"""Loss landscapes: the formula whitelist, the built-in functions, and training on them."""

import math

import numpy as np
import pytest

from optimizer_animations.problems.functions import (
    BUILT_IN,
    FormulaError,
    evaluate,
    parse_formula,
    quadratic,
    value_at,
)
from optimizer_animations.problems.problem import FunctionProblem, build_problem

HOSTILE = [
    ("__import__('os').system('true')", "`__import__('os').system` is not a function"),
    ("x.__class__", "(Attribute) is not allowed"),
    ("(lambda: 1)()", "is not a function one may call"),
    ("open('/etc/passwd')", "is not a function one may call"),
    ("x[0]", "(Subscript) is not allowed"),
    ("'a' * 3", "`'a'` is not a number"),
    ("z + 1", "unknown name 'z'"),
    ("np.sin(x)", "`np.sin` is not a function one may call"),
    ("sin(x, y)", "sin takes exactly one argument"),
    ("exp(x=1)", "exp takes exactly one argument"),
    ("[x for x in range(9)]", "(ListComp) is not allowed"),
    ("x if y else 1", "(IfExp) is not allowed"),
    ("x < y", "(Compare) is not allowed"),
    ("x // y", "(BinOp) is not allowed"),
    ("True + x", "`True` is not a number"),
    ("x; y", "is not a formula"),
    ("x + " * 200 + "y", "more than 500"),
    ("(x := 3)", "(NamedExpr) is not allowed"),
]


@pytest.mark.parametrize(("formula", "message"), HOSTILE, ids=[h[0][:30] for h in HOSTILE])
def test_the_formula_whitelist_refuses_code_and_names_the_part(formula, message):
    with pytest.raises(FormulaError) as error:
        parse_formula(formula)
    assert message in str(error.value)


def test_allowed_formulas_evaluate_with_numpy():
    tree = parse_formula("-sqrt(abs(x)) + tanh(y) ** 2 / 2 + log(exp(1)) * sin(pi / 2) - cos(0)")
    value = evaluate(tree, np.array([4.0]), np.array([0.0]), np)
    np.testing.assert_allclose(value, [-2.0])


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_built_in_functions_vanish_at_their_known_minima(name):
    landscape = BUILT_IN[name]
    tree = parse_formula(landscape.formula)
    # Himmelblau's three other minima are known to 6 decimals.
    tolerance = 1e-4 if name == "himmelblau" else 1e-12
    for x, y in landscape.minima:
        assert abs(evaluate(tree, x, y, math)) < tolerance
    low, high = np.array(landscape.domain).T
    assert (low <= landscape.start).all() and (landscape.start <= high).all()


def test_usual_values_of_the_built_ins():
    rosenbrock = FunctionProblem.from_spec({"function": "rosenbrock"})
    assert rosenbrock.loss_numpy(np.array([-1.5, 2.0])) == pytest.approx(12.5)
    beale = FunctionProblem.from_spec({"function": "beale"})
    assert beale.loss_numpy(np.array([0.0, 0.0])) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    assert FunctionProblem.from_spec({"function": "saddle"}).loss_numpy(
        np.array([[1.0, 2.0]])
    ) == pytest.approx([-3.0])
    bowl = FunctionProblem(quadratic(100.0))
    assert bowl.loss_numpy(np.array([0.0, 1.0])) == pytest.approx(50.0)


def test_a_formula_problem_with_overrides_records_what_it_used():
    spec = {
        "function": {
            "formula": "(x - 1)**2 + (y + 2)**2",
            "domain": [[-3, 3], [-4, 2]],
            "start": [0, 0],
            "minima": [[1, -2]],
        },
        "start": [2.0, 1.0],
    }
    problem = build_problem({"kind": "function", **spec})
    assert problem.parameter_count == 2 and problem.stackable()  # + - and whole powers
    np.testing.assert_array_equal(problem.pinned_start()[0], np.float32([2.0, 1.0]))
    meta = problem.meta(problem.pinned_start(), None)["function"]
    assert meta["start"] == [2.0, 1.0] and meta["minima"] == [[1, -2]]
    assert meta["domain"] == [[-3, 3], [-4, 2]]


def test_only_formulas_of_exact_operations_stack():
    def stacks(formula):
        spec = {"formula": formula, "domain": [[-1, 1], [-1, 1]], "start": [0.5, 0.5]}
        return build_problem({"kind": "function", "function": spec}).stackable()

    assert stacks("x**3 - 2*x*y**2 / (1 + y**2)")
    assert not stacks("sin(x) + y**2")  # a function
    assert not stacks("x**2.5 + y**2")  # a power that is not whole
    assert not stacks("x**y")


def test_whole_powers_are_products():
    tree = parse_formula("x**3 + y**2")
    x, y = np.float32(1.1), np.float32(-0.7)
    assert evaluate(tree, x, y, np) == x * x * x + y * y


# Where Python's arithmetic raises and NumPy's gives inf or nan, and where an
# infinity on the way becomes a finite value again.
EDGE_FORMULAS = [
    "log(x)",
    "log(x - 3)",
    "sqrt(x)",
    "1 / x",
    "-1 / x",
    "x / y",
    "(x - 1) ** -1",
    "x ** -2",
    "x ** 0.5",
    "(-x) ** 1.5",
    "x ** 400",
    "(x - 10) ** 401",
    "exp(1000 * x)",
    "exp(-exp(1000 * x))",
    "1 / (1 / x)",
    "tanh(1 / x)",
    "sin(exp(1000 * x))",
    "tan(x) + cos(y) - abs(x - y)",
    "log(0 * x) - log(0 * y)",
    "exp(x) ** exp(y)",
    "pi * x ** 2 + y ** 8",
]
POINTS = [
    (0.0, 0.0),
    (-0.0, 1.0),
    (1.0, -1.0),
    (-2.5, 3.0),
    (3.0, 0.5),
    (1e-300, -1e-300),
    (5.0, 7.0),
]


@pytest.mark.parametrize("formula", EDGE_FORMULAS + [f.formula for f in BUILT_IN.values()])
def test_the_standard_library_value_equals_numpys_with_its_infinities(formula):
    tree = parse_formula(formula)
    for x, y in POINTS:
        with np.errstate(all="ignore"):
            expected = float(evaluate(tree, np.float64(x), np.float64(y), np))
        got = value_at(tree, x, y)
        assert math.isfinite(got) == math.isfinite(expected), (formula, x, y, got, expected)
        if math.isnan(expected):
            assert math.isnan(got), (formula, x, y, got)
        else:
            assert got == pytest.approx(expected, rel=1e-12, abs=1e-300), (formula, x, y)


@pytest.mark.parametrize("formula", ["10 ** 1000 + x", "(0 - 1) ** 0.5 + x", "1 / 0 + x"])
def test_a_part_of_constants_alone_that_python_cannot_compute_is_not_finite(formula):
    # NumPy's evaluation raises on these (Python computes the constants), so
    # the config's check refuses them rather than a job failing on them.
    assert math.isnan(value_at(parse_formula(formula), 0.5, 0.5))
