"""The `html` module: `html.sanitize` policies, backed by nh3 (the Rust ammonia sanitiser).

Wippy's module wraps Go's bluemonday: a Policy starts empty (`new_policy`, `strict_policy`:
every tag stripped, text kept, `<script>`/`<style>` removed with their content) or as the
user-generated-content preset (`ugc_policy`), and grows by chained calls: `allow_elements`,
`allow_attrs(...)` then `:matching(regex)` (INVALID for a bad pattern) and
`:on_elements(...)` or `:globally()`, the URL rules, and the element groups (`allow_images`,
`allow_lists`, `allow_tables`, `allow_standard_attributes`). `sanitize(html)` returns text.

How bluemonday's rules map onto nh3, and the gaps:
- Elements, per-element and global attributes map directly (`tags`, `attributes`); a
  `matching` pattern is checked in nh3's attribute filter with Python's `re` (search, as Go's
  `MatchString`); Go's RE2 syntax is mostly a subset of it.
- URL rules (`require_parseable_urls`, `allow_relative_urls`, `allow_url_schemes`,
  `allow_standard_urls`, `allow_data_uri_images`) are enforced in the same filter for URL
  attributes. nh3 also always filters `href`/`src` schemes: without `allow_url_schemes` it keeps
  ammonia's safe list (http, https, mailto, ...), so unlike bluemonday a policy that never set
  URL rules still drops `javascript:` links (stricter, never looser).
- `require_nofollow_on_links` / `require_noreferrer_on_links` become nh3's `link_rel`
  (bluemonday adds nothing by default, so nh3's default `noopener noreferrer` is turned off);
  ammonia adds it to every `<a>` with an `href`, bluemonday only to fully qualified ones. When
  `rel` itself is an allowed attribute, nh3 cannot also add it: the user's `rel` wins.
- `add_target_blank_to_fully_qualified_links` sets `target="_blank"` on every `<a>` (nh3 can
  add an attribute per tag, not per URL), with `noopener` added to `rel` as bluemonday does.
- Serialisation is html5ever's (attribute quoting, void tags), not Go's `x/net/html`.
"""

from __future__ import annotations

import base64
import binascii
import re
import urllib.parse
from typing import TYPE_CHECKING, Any

from ...errors import INVALID
from ..objects import fail, lua_class, text_arg
from ._optional import load

if TYPE_CHECKING:
    from ..host import LuaHost
    from ..state import LuaState

_URL_ATTRS = frozenset({"href", "src", "cite", "action", "longdesc", "poster", "background",
                        "formaction", "usemap"})
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|bmp);base64,(.*)$", re.S)

# bluemonday's value patterns for the attribute groups
_DIRECTION = re.compile(r"(?i)^(rtl|ltr)$")
_ALIGN = re.compile(r"(?i)^(center|justify|left|right)$")
_IMAGE_ALIGN = re.compile(r"(?i)^(left|right|top|texttop|middle|absmiddle|baseline|bottom|"
                          r"absbottom)$")
_NUMBER = re.compile(r"^[0-9]+$")
_NUMBER_OR_PERCENT = re.compile(r"^[0-9]+[%]?$")
_PARAGRAPH = re.compile(r"^[\w\s.,!?'\"()\-:;&/@#%+=*\[\]{}|~^`$]*$")
_LANG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_ID = re.compile(r"^[a-zA-Z0-9:\-_.]+$")
_LIST_TYPE = re.compile(r"(?i)^(circle|disc|square|a|A|i|I|1)$")
_SCOPE = re.compile(r"(?i)^(row|col|rowgroup|colgroup)$")
_VALIGN = re.compile(r"(?i)^(baseline|bottom|middle|top)$")
_SPAN_WIDTH = re.compile(r"^[0-9]+$")

_UGC_ELEMENTS = (
    "article", "aside", "details", "figcaption", "figure", "footer", "header", "hgroup", "main",
    "nav", "section", "summary", "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "div", "hr",
    "blockquote", "pre", "code", "abbr", "acronym", "cite", "dfn", "em", "mark", "s", "samp",
    "strong", "sub", "sup", "var", "b", "i", "u", "strike", "small", "tt", "bdi", "bdo", "q",
    "ins", "del", "span", "wbr", "ruby", "rp", "rt", "kbd", "a",
)


class Policy:
    """One sanitising policy: what bluemonday's Policy holds, in nh3's terms."""

    def __init__(self) -> None:
        self.tags: set[str] = set()
        #: element ("*" = every element) -> attribute -> value pattern (None: any value)
        self.attrs: dict[str, dict[str, re.Pattern[str] | None]] = {}
        self.parseable = False
        self.relative = False
        self.schemes: set[str] = set()
        self.data_images = False
        self.nofollow = False
        self.noreferrer = False
        self.target_blank = False
        self._cleaner: Any = None

    def changed(self) -> None:
        self._cleaner = None

    def allow(self, elements: list[str], names: list[str], pattern: re.Pattern[str] | None
              ) -> None:
        for el in elements:
            slot = self.attrs.setdefault(el, {})
            for n in names:
                slot[n] = pattern
        self.changed()

    def _value_ok(self, tag: str, attr: str, value: str) -> bool:
        for scope in (tag, "*"):
            rules = self.attrs.get(scope)
            if rules is not None and attr in rules:
                pattern = rules[attr]
                if pattern is not None and not pattern.search(value):
                    return False
                break
        if attr in _URL_ATTRS:
            return self._url_ok(tag, attr, value)
        return True

    def _url_ok(self, tag: str, attr: str, value: str) -> bool:
        url = value.strip()
        if url.lower().startswith("data:"):
            if not (self.data_images and tag == "img" and attr == "src"):
                return False
            m = _DATA_IMAGE.match(url)
            if m is None:
                return False
            try:
                base64.b64decode(m.group(2), validate=True)
            except (binascii.Error, ValueError):
                return False
            return True
        if not self.parseable:
            return True
        try:
            parts = urllib.parse.urlsplit(url)
        except ValueError:
            return False
        if not parts.scheme:
            return self.relative
        return parts.scheme.lower() in self.schemes

    def cleaner(self, nh3: Any) -> Any:
        if self._cleaner is None:
            attributes = {el: set(rules) for el, rules in self.attrs.items()
                          if el == "*" or el in self.tags}
            rel_allowed = any("rel" in rules for rules in attributes.values())
            rel = [r for r, on in (("nofollow", self.nofollow), ("noreferrer", self.noreferrer),
                                   ("noopener", self.target_blank)) if on]
            kw: dict[str, Any] = {
                "tags": set(self.tags),
                "clean_content_tags": {"script", "style"} - self.tags,
                "attributes": attributes,
                "attribute_filter": lambda tag, attr, value: (
                    value if self._value_ok(tag, attr, value) else None),
                "link_rel": None if rel_allowed or not rel else " ".join(rel),
                "strip_comments": True,
            }
            schemes = (set(self.schemes) if self.schemes else set(nh3.ALLOWED_URL_SCHEMES))
            if self.data_images:
                schemes.add("data")
            kw["url_schemes"] = schemes
            if self.target_blank and "a" in self.tags:
                kw["set_tag_attribute_values"] = {"a": {"target": "_blank"}}
            self._cleaner = nh3.Cleaner(**kw)
        return self._cleaner


class _Attrs:
    __slots__ = ("policy", "names", "pattern")

    def __init__(self, policy: Policy, names: list[str]) -> None:
        self.policy = policy
        self.names = names
        self.pattern: re.Pattern[str] | None = None


def _names(fn: str, args: tuple[Any, ...]) -> list[str]:
    return [text_arg(fn, i, "name", a).lower() for i, a in enumerate(args, 1)]


def _standard_attributes(p: Policy) -> None:
    p.allow(["*"], ["dir"], _DIRECTION)
    p.allow(["*"], ["lang"], _LANG)
    p.allow(["*"], ["id"], _ID)
    p.allow(["*"], ["title"], _PARAGRAPH)


def _standard_urls(p: Policy) -> None:
    p.parseable = True
    p.relative = True
    p.schemes |= {"mailto", "http", "https"}
    p.changed()


def _images(p: Policy) -> None:
    p.tags.add("img")
    p.allow(["img"], ["align"], _IMAGE_ALIGN)
    p.allow(["img"], ["alt"], _PARAGRAPH)
    p.allow(["img"], ["height", "width"], _NUMBER_OR_PERCENT)
    p.allow(["img"], ["src"], None)


def _lists(p: Policy) -> None:
    p.tags |= {"ol", "ul", "li", "dl", "dt", "dd"}
    p.allow(["ol"], ["type"], _LIST_TYPE)
    p.allow(["ul"], ["type"], _LIST_TYPE)
    p.allow(["li"], ["type"], _LIST_TYPE)
    p.allow(["li"], ["value"], _NUMBER)
    p.allow(["ol"], ["start"], _NUMBER)


def _tables(p: Policy) -> None:
    p.tags |= {"table", "caption", "col", "colgroup", "thead", "tbody", "tfoot", "tr", "th",
               "td"}
    p.allow(["table"], ["height", "width"], _NUMBER_OR_PERCENT)
    p.allow(["table"], ["summary"], _PARAGRAPH)
    p.allow(["caption", "col", "colgroup", "thead", "tbody", "tfoot", "tr", "th", "td"],
            ["align"], _ALIGN)
    p.allow(["col", "colgroup", "thead", "tbody", "tfoot", "tr", "th", "td"], ["valign"],
            _VALIGN)
    p.allow(["col", "colgroup"], ["span"], _SPAN_WIDTH)
    p.allow(["th", "td"], ["colspan", "rowspan"], _NUMBER)
    p.allow(["th", "td"], ["height", "width"], _NUMBER_OR_PERCENT)
    p.allow(["th"], ["scope"], _SCOPE)
    p.allow(["th", "td"], ["headers"], _ID)
    p.allow(["th"], ["abbr"], _PARAGRAPH)


def ugc() -> Policy:
    """bluemonday's UGCPolicy: the markup of user comments and posts, links with nofollow."""
    p = Policy()
    _standard_attributes(p)
    _standard_urls(p)
    p.tags |= set(_UGC_ELEMENTS)
    p.allow(["a"], ["href"], None)
    p.allow(["blockquote", "q", "del", "ins"], ["cite"], None)
    p.allow(["del", "ins"], ["datetime"], re.compile(r"^[0-9T:.+\-Z ]+$"))
    p.allow(["bdo"], ["dir"], _DIRECTION)
    p.allow(["abbr", "acronym", "dfn"], ["title"], _PARAGRAPH)
    p.allow(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6"], ["align"], _ALIGN)
    p.nofollow = True
    _images(p)
    _lists(p)
    _tables(p)
    return p


def install(state: LuaState, runtime: LuaHost) -> None:
    nh3 = load("html", "nh3")
    lua = state.lua

    def chain(fn: Any) -> Any:
        """A Policy method returning the Policy itself (Wippy's builder style)."""
        def method(p: Policy, *args: Any) -> Any:
            fn(p, *args)
            return PolicyCls.SELF
        return method

    def flag(attr: str) -> Any:
        def set_flag(p: Policy, on: Any = None, *_: Any) -> None:
            setattr(p, attr, bool(on))
            p.changed()
        return chain(set_flag)

    def allow_elements(p: Policy, *names: Any) -> None:
        p.tags |= set(_names("policy:allow_elements", names))
        p.changed()

    def allow_attrs(p: Policy, *names: Any) -> Any:
        return AttrsCls.new(_Attrs(p, _names("policy:allow_attrs", names)))

    def allow_url_schemes(p: Policy, *names: Any) -> None:
        p.schemes |= set(_names("policy:allow_url_schemes", names))
        p.parseable = True
        p.changed()

    def allow_data_uri_images(p: Policy, *_: Any) -> None:
        p.data_images = True
        p.changed()

    def sanitize(p: Policy, text: Any = None, *_: Any) -> bytes:
        source = text_arg("policy:sanitize", 1, "html", text)
        return p.cleaner(nh3).clean(source).encode("utf-8", "surrogateescape")

    PolicyCls = lua_class(state, "html.Policy", {
        "allow_elements": chain(allow_elements), "allow_attrs": allow_attrs,
        "allow_standard_urls": chain(lambda p, *_: _standard_urls(p)),
        "require_parseable_urls": flag("parseable"), "allow_relative_urls": flag("relative"),
        "allow_url_schemes": chain(allow_url_schemes),
        "require_nofollow_on_links": flag("nofollow"),
        "require_noreferrer_on_links": flag("noreferrer"),
        "add_target_blank_to_fully_qualified_links": flag("target_blank"),
        "allow_data_uri_images": chain(allow_data_uri_images),
        "allow_standard_attributes": chain(lambda p, *_: _standard_attributes(p)),
        "allow_images": chain(lambda p, *_: _images(p)),
        "allow_lists": chain(lambda p, *_: _lists(p)),
        "allow_tables": chain(lambda p, *_: _tables(p)),
        "sanitize": sanitize,
    }, lambda p: f"html.Policy{{{len(p.tags)} elements}}")

    def matching(a: _Attrs, pattern: Any = None, *_: Any) -> Any:
        source = text_arg("attrs:matching", 1, "pattern", pattern)
        try:
            a.pattern = re.compile(source)
        except re.error as exc:
            return fail(f"attrs:matching: invalid regular expression {source!r}: {exc}",
                        INVALID)
        return AttrsCls.SELF, None

    def on_elements(a: _Attrs, *names: Any) -> Any:
        a.policy.allow(_names("attrs:on_elements", names), a.names, a.pattern)
        return PolicyCls.new(a.policy)

    def globally(a: _Attrs, *_: Any) -> Any:
        a.policy.allow(["*"], a.names, a.pattern)
        return PolicyCls.new(a.policy)

    AttrsCls = lua_class(state, "html.AttrBuilder", {
        "matching": matching, "on_elements": on_elements, "globally": globally,
    }, lambda a: f"html.AttrBuilder{{{', '.join(a.names)}}}")

    sanitize_table = lua.table()
    sanitize_table[b"new_policy"] = lambda *_: (PolicyCls.new(Policy()), None)
    sanitize_table[b"strict_policy"] = lambda *_: (PolicyCls.new(Policy()), None)
    sanitize_table[b"ugc_policy"] = lambda *_: (PolicyCls.new(ugc()), None)
    module = lua.table()
    module[b"sanitize"] = sanitize_table
    state.bind("html", module)
