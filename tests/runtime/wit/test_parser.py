"""The WIT parser: Wippy signature lines, full documents, errors with positions."""

import pytest
from wippy_runtime.wit import (
    BOOL,
    S32,
    STRING,
    U8,
    U32,
    BorrowType,
    Case,
    EnumType,
    Field,
    FlagsType,
    FuncType,
    Interface,
    ListType,
    OptionType,
    OwnType,
    Param,
    RecordType,
    ResourceType,
    ResultType,
    TupleType,
    VariantType,
    WitError,
    parse_signatures,
    parse_wit,
)

USER = RecordType(
    "user",
    (
        Field("id", U32),
        Field("name", STRING),
        Field("tags", ListType(STRING)),
        Field("active", BOOL),
    ),
)


def test_wippy_simple_lines():
    sigs = parse_signatures("answer: func() -> s32;\ncompute: func(a: s32, b: s32) -> s32;\n")
    assert sigs == {
        "answer": FuncType("answer", (), (S32,)),
        "compute": FuncType("compute", (Param("a", S32), Param("b", S32)), (S32,)),
    }


def test_export_prefix_and_missing_semicolon_are_accepted():
    sigs = parse_signatures("export answer: func() -> s32\nexport f: func()")
    assert sigs["answer"].results == (S32,)
    assert sigs["f"] == FuncType("f", (), ())


def test_snake_and_kebab_names_and_escapes():
    sigs = parse_signatures(
        "transform_users: func(%type: u8) -> u8;\ntransform-users: func(%list: u8);"
    )
    assert list(sigs) == ["transform_users", "transform-users"]
    assert sigs["transform_users"].params == (Param("type", U8),)
    assert sigs["transform-users"].params == (Param("list", U8),)


def test_forward_reference_record_and_alias():
    sigs = parse_signatures(
        """
        transform-users: func(users: users) -> list<user>;
        type users = list<user>;
        record user { id: u32, name: string, tags: list<string>, active: bool, }
        """
    )
    ft = sigs["transform-users"]
    assert ft.params == (Param("users", ListType(USER)),)
    assert ft.results == (ListType(USER),)
    assert str(ft) == "transform-users: func(users: list<user>) -> list<user>"


def test_nested_generic_types():
    ft = parse_signatures("f: func(x: list<option<tuple<u32, list<string>>>>);")["f"]
    assert ft.params[0].type == ListType(OptionType(TupleType((U32, ListType(STRING)))))
    assert str(ft.params[0].type) == "list<option<tuple<u32, list<string>>>>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("result", ResultType(None, None)),
        ("result<u8>", ResultType(U8, None)),
        ("result<_, string>", ResultType(None, STRING)),
        ("result<u8, string>", ResultType(U8, STRING)),
    ],
)
def test_result_forms(text, expected):
    ft = parse_signatures(f"f: func() -> {text};")["f"]
    assert ft.results == (expected,)
    assert str(expected) == text


def test_variant_enum_flags_resource():
    doc = parse_wit(
        """
        variant shape { circle(u32), rect(tuple<u32, u32>), empty }
        enum color { red, green, blue }
        flags perms { read, write, exec }
        resource counter;
        f: func(s: shape, c: color, p: perms, h: borrow<counter>) -> counter;
        """
    )
    f = doc.functions["f"]
    assert f.params[0].type == VariantType(
        "shape", (Case("circle", U32), Case("rect", TupleType((U32, U32))), Case("empty"))
    )
    assert f.params[1].type == EnumType("color", ("red", "green", "blue"))
    assert f.params[2].type == FlagsType("perms", ("read", "write", "exec"))
    assert f.params[3].type == BorrowType(ResourceType("counter"))
    assert f.results == (OwnType(ResourceType("counter")),)
    assert doc.types["counter"] == ResourceType("counter")


def test_resource_methods_are_named_like_the_component_model():
    doc = parse_wit(
        """
        resource counter {
            constructor(start: u32);
            get: func() -> u32;
            make: static func() -> counter;
        }
        """
    )
    res = OwnType(ResourceType("counter"))
    assert doc.functions == {
        "[constructor]counter": FuncType("[constructor]counter", (Param("start", U32),), (res,)),
        "[method]counter.get": FuncType(
            "[method]counter.get", (Param("self", BorrowType(ResourceType("counter"))),), (U32,)
        ),
        "[static]counter.make": FuncType("[static]counter.make", (), (res,)),
    }


def test_multi_results_tuple_form():
    ft = parse_signatures("div: func(a: s32, b: s32) -> (s32, s32);")["div"]
    assert ft.results == (S32, S32)
    named = parse_signatures("div: func() -> (q: s32, r: string);")["div"]
    assert named.results == (S32, STRING)
    assert parse_signatures("f: func() -> ();")["f"].results == ()


def test_comments_and_doc_comments():
    doc = parse_wit(
        """
        // a line comment
        /* a block
           comment */
        /// Adds two numbers.
        /// Wraps on overflow.
        add: func(a: s32, b: s32) -> s32; // trailing
        /// A user.
        record user { id: u32 }
        """
    )
    assert doc.functions["add"].docs == "Adds two numbers.\nWraps on overflow."
    assert doc.type_docs["user"] == "A user."
    # docs do not take part in equality
    assert doc.functions["add"] == FuncType("add", (Param("a", S32), Param("b", S32)), (S32,))


def test_full_document_with_interfaces_and_world():
    doc = parse_wit(
        """
        package test:demo@0.1.0;

        interface types {
            record point { x: s32, y: s32 }
        }

        interface geometry {
            use types.{point};
            @since(version = 0.1.0)
            move: func(p: point, dx: s32) -> point;
        }

        world demo {
            import wasi:cli/environment@0.2.0;
            use types.{point as pt};
            export geometry;
            export origin: func() -> pt;
            export test-sleep: interface {
                sleep-ms: func(ms: u32) -> u32;
            }
        }
        """
    )
    assert doc.package == "test:demo@0.1.0"
    point = RecordType("point", (Field("x", S32), Field("y", S32)))
    world = doc.worlds["demo"]
    assert world.imports["wasi:cli/environment@0.2.0"] == "wasi:cli/environment@0.2.0"
    assert isinstance(world.exports["geometry"], Interface)
    funcs = doc.exported_functions()
    assert funcs["origin"] == FuncType("origin", (), (point,))
    assert funcs["geometry#move"].params == (Param("p", point), Param("dx", S32))
    assert funcs["test-sleep#sleep-ms"].results == (U32,)
    assert parse_signatures(
        "package a:b; world w { export add: func(a: s32, b: s32) -> s32; }"
    )["add"].params == (Param("a", S32), Param("b", S32))


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("f: func(a: ) -> s32;", "expected a type, found ')'", 1, 12),
        ("f: func() -> s32;\n\ng: func(x: list<u32) -> u8;", "expected '>', found ')'", 3, 20),
        ("f: func(a: s32", "expected ')' or ',', found end of input", 1, 15),
        ("f: func(a: $)", "unexpected character '$'", 1, 12),
        ("record r { a }", "expected ':', found '}'", 1, 14),
        ("f: func(a: s32) -> ;", "expected a type or '(', found ';'", 1, 20),
        ("\n  f: func(u: usr) -> s32;", 'unknown type "usr"', 2, 14),
        ("f: func();\nf: func();", 'duplicate name "f" in top level', 2, 1),
        ("record r { a: u8, a: u8 }", 'duplicate field in record "r": "a"', 1, 19),
        ("enum e { x, y, x }", 'duplicate case in enum "e": "x"', 1, 16),
        ("f: func(a: u8, a: u8);", 'duplicate parameter: "a"', 1, 16),
        ("record r {}\nvariant r { x }", 'duplicate name "r" in top level', 2, 9),
        ("type a = list<b>;\ntype b = option<a>;\nf: func(x: a);", 'type "a" refers to itself',
         1, 6),
        ("f: func(a: own<u32>);", 'own<u32>: "u32" is not a resource', 1, 16),
        ("record r { x: u8 }\nf: func(a: borrow<r>);", 'borrow<r>: "r" is not a resource', 2, 19),
        ("world w { use other.{t}; export f: func(x: t); }",
         'cannot use "t" from "other": interface not defined in this document', 1, 44),
    ],
)
def test_errors_carry_line_and_column(text, message, line, column):
    with pytest.raises(WitError) as info:
        parse_wit(text)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.message, err.line, err.column) == (message, line, column)
    assert str(err) == f"line {line}, column {column}: {message}"


def test_types_are_hashable_and_structural():
    a = parse_signatures("record user { id: u32, name: string, tags: list<string>, active: bool }"
                         "\nf: func(u: user);")["f"]
    b = parse_signatures("f: func(u: user);\nrecord user { id: u32, name: string, "
                         "tags: list<string>, active: bool }")["f"]
    assert a == b and hash(a) == hash(b)
    assert {a.params[0].type, USER} == {USER}
