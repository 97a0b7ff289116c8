"""One dispatch over the type model: every class reaches its method, groupings fall back as
the canonical ABI groups them, results are memoised, and no module tests classes one by one."""

import ast
from pathlib import Path

import pytest
from wippy_runtime.wit import types as T
from wippy_runtime.wit.visitor import CachingVisitor, TypeVisitor

RES = T.ResourceType("blob")
ONE_OF_EACH = [
    T.S32,
    T.ListType(T.U8),
    T.RecordType("r", (T.Field("a", T.U8),)),
    T.TupleType((T.U8, T.STRING)),
    T.OptionType(T.U8),
    T.ResultType(T.U8, None),
    T.VariantType("v", (T.Case("a", None),)),
    T.EnumType("e", ("a", "b")),
    T.FlagsType("f", ("x",)),
    T.OwnType(RES),
    T.BorrowType(RES),
    RES,
]


class Names(TypeVisitor[str]):
    def visit_primitive(self, t):
        return "primitive"

    def visit_list(self, t):
        return "list"

    def visit_record(self, t):
        return "record"

    def visit_tuple(self, t):
        return "tuple"

    def visit_variant_like(self, t):
        return "variant-like"

    def visit_enum(self, t):
        return "enum"

    def visit_flags(self, t):
        return "flags"

    def visit_handle(self, t):
        return "handle"

    def visit_resource(self, t):
        return "resource"


def test_every_class_of_the_model_dispatches_and_groupings_fall_back():
    assert [Names().visit(t) for t in ONE_OF_EACH] == [
        "primitive", "list", "record", "tuple", "variant-like", "variant-like",
        "variant-like", "enum", "flags", "handle", "handle", "resource",
    ]


def test_every_wit_type_class_has_a_dispatch_entry():
    from wippy_runtime.wit.visitor import _METHOD

    model = {c for c in vars(T).values() if isinstance(c, type) and issubclass(c, T.WitType)
             and c is not T.WitType}
    assert model == set(_METHOD)
    assert {type(t) for t in ONE_OF_EACH} == model


def test_a_kind_a_visitor_does_not_implement_names_the_visitor():
    class OnlyLists(TypeVisitor[str]):
        def visit_list(self, t):
            return "list"

    with pytest.raises(TypeError, match=r"OnlyLists does not support .*RecordType"):
        OnlyLists().visit(ONE_OF_EACH[2])


def test_a_class_outside_the_model_goes_to_visit_other():
    class Other(T.WitType):
        pass

    class Fallback(TypeVisitor[str]):
        def visit_other(self, t):
            return "other"

    assert Fallback().visit(Other()) == "other"
    with pytest.raises(TypeError):
        Names().visit(Other())


def test_caching_visitor_builds_once_per_equal_type():
    built = []

    class Count(CachingVisitor[object]):
        def visit_primitive(self, t):
            built.append(t)
            return object()

        def visit_list(self, t):
            return (self.visit(t.element),)

    v = Count()
    first = v(T.ListType(T.S32))
    assert v(T.ListType(T.Primitive("s32"))) is first  # equal, not identical, types
    assert v(T.S32) is first[0]
    assert built == [T.S32]


# ---------------------------------------------------------------------------------------
# the structure this dispatch replaces

MODEL_CLASSES = {c.__name__ for c in vars(T).values()
                 if isinstance(c, type) and issubclass(c, T.WitType)}
RUNTIME = Path(__file__).resolve().parents[3] / "runtime" / "wippy_runtime"


def _model_checks(node: ast.AST) -> int:
    """isinstance(x, <type-model class or a tuple of them>) calls directly inside `node`."""
    count = 0
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and getattr(sub.func, "id", None) == "isinstance" and \
                len(sub.args) == 2:
            target = sub.args[1]
            names = target.elts if isinstance(target, ast.Tuple) else [target]
            if any(getattr(n, "id", None) in MODEL_CLASSES for n in names):
                count += 1
    return count


def isinstance_ladders(root: Path) -> list[str]:
    """Functions that branch on three or more type-model classes with isinstance."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = sum(_model_checks(f) for f in ast.walk(node)
                            if f is not node and isinstance(f, ast.FunctionDef))
                if _model_checks(node) - inner >= 3:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {node.name}")
    return found


def test_no_isinstance_ladders_over_the_type_model_remain():
    assert isinstance_ladders(RUNTIME) == []


def test_the_ladder_detector_finds_a_ladder(tmp_path):
    (tmp_path / "m.py").write_text(
        "def f(t):\n"
        "    if isinstance(t, ListType): pass\n"
        "    elif isinstance(t, (OwnType, BorrowType)): pass\n"
        "    elif isinstance(t, RecordType): pass\n"
        "def g(t):\n"
        "    return isinstance(t, ListType) or isinstance(t, RecordType)\n"
    )
    assert isinstance_ladders(tmp_path) == ["m.py:1 f"]
