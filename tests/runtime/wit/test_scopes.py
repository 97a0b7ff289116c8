"""Name resolution on raw definitions: references through enclosing scopes and `use`, a
resource in type position as `own`, and unknown or cyclic names with their position."""

import pytest
from wippy_runtime.wit import types as T
from wippy_runtime.wit.errors import WitError
from wippy_runtime.wit.scopes import Def, Name, Ref, Resolver, Scope


def define(scope, name, raw, line=1):
    scope.defs[name] = Def(Name(name, line, 1), raw, None)


def ref(name, line=9, column=3):
    return Ref(name, line, column)


def test_references_resolve_through_enclosing_scopes_and_resources_become_own():
    top = Scope("top level")
    inner = Scope('interface "i"', parent=top)
    define(top, "blob", T.ResourceType("blob"))
    define(top, "id", T.U32)
    define(inner, "pair", T.TupleType((ref("id"), ref("blob"))))
    got = Resolver(lambda path: None).resolve(inner, T.ListType(ref("pair")))
    assert got == T.ListType(T.TupleType((T.U32, T.OwnType(T.ResourceType("blob")))))


def test_use_reads_a_type_from_another_interfaces_scope():
    lib, app = Scope('interface "lib"'), Scope('interface "app"')
    define(lib, "id", T.U64)
    app.uses["id"] = ("lib", "id", Name("id", 2, 5))
    resolver = Resolver(lambda path: lib if path == "lib" else None)
    assert resolver.resolve(app, T.OptionType(ref("id"))) == T.OptionType(T.U64)


def test_unknown_names_report_where_they_were_used():
    with pytest.raises(WitError) as info:
        Resolver(lambda path: None).resolve(Scope("top level"), ref("nope", 4, 7))
    assert (info.value.message, info.value.line, info.value.column) == (
        'unknown type "nope"', 4, 7)


def test_a_type_that_contains_itself_is_refused_at_its_definition():
    top = Scope("top level")
    define(top, "loop", T.ListType(ref("loop")), line=3)
    with pytest.raises(WitError, match='type "loop" refers to itself') as info:
        Resolver(lambda path: None).resolve(top, ref("loop"))
    assert info.value.line == 3


def test_use_of_an_interface_the_document_does_not_define():
    app = Scope("app")
    app.uses["t"] = ("wasi:io/streams", "t", Name("t", 1, 1))
    with pytest.raises(WitError, match="interface not defined in this document"):
        Resolver(lambda path: None).resolve(app, ref("t"))


def test_borrow_of_something_that_is_not_a_resource():
    top = Scope("top level")
    define(top, "id", T.U32)
    with pytest.raises(WitError, match='borrow<id>: "id" is not a resource'):
        Resolver(lambda path: None).resolve(top, T.BorrowType(ref("id")))
