"""Route patterns: Go ServeMux rules for matching, precedence and bad patterns."""

from __future__ import annotations

import pytest
from wippy_runtime.http_server.routes import PatternError, join, parse_pattern


@pytest.mark.parametrize("pattern, path, params", [
    ("/hello", "/hello", {}),
    ("/users/{id}", "/users/42", {"id": "42"}),
    ("/users/{id}/posts/{post}", "/users/a/posts/b", {"id": "a", "post": "b"}),
    ("/files/{rest...}", "/files/a/b/c.txt", {"rest": "a/b/c.txt"}),
    ("/files/{rest...}", "/files/", {"rest": ""}),
    ("/static/", "/static/css/x.css", {}),
    ("/static/", "/static/", {}),
    ("/", "/anything/at/all", {}),
    ("/a/{$}", "/a/", {}),
    ("/users/{id}", "/users/a%2Fb", {"id": "a/b"}),
])
def test_patterns_match_with_their_parameters(pattern, path, params):
    assert parse_pattern(pattern).match(path) == params


@pytest.mark.parametrize("pattern, path", [
    ("/hello", "/hello/"),
    ("/hello", "/hell"),
    ("/users/{id}", "/users/"),
    ("/users/{id}", "/users/1/2"),
    ("/static/", "/static"),
    ("/a/{$}", "/a/b"),
])
def test_patterns_refuse_other_paths(pattern, path):
    assert parse_pattern(pattern).match(path) is None


def test_the_most_specific_pattern_sorts_first():
    texts = ["/", "/users/", "/users/{id}", "/users/me", "/users/{id}/{rest...}"]
    ranked = sorted((parse_pattern(t) for t in texts), key=lambda p: p.rank())
    matching = [p.text for p in ranked if p.match("/users/me") is not None]
    assert matching == ["/users/me", "/users/{id}", "/users/", "/"]


@pytest.mark.parametrize("pattern, why", [
    ("hello", "must start with '/'"),
    ("/a//b", "empty segment"),
    ("/a/x{id}", "whole segment"),
    ("/a/{id}/{id}", "appears twice"),
    ("/a/{rest...}/b", "must be the last segment"),
    ("/a/{1x}", "bad parameter name"),
    ("/a/{$}/b", "may only end a pattern"),
])
def test_bad_patterns_say_what_is_wrong(pattern, why):
    with pytest.raises(PatternError, match=why):
        parse_pattern(pattern)


def test_a_router_prefix_joins_without_a_double_slash():
    assert join("/", "/hello") == "/hello"
    assert join("/auth/", "/login") == "/auth/login"
    assert join("/api", "/x") == "/api/x"
