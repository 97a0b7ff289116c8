"""Wippy's host profiles: what an entry may list under `imports:`.

A profile is a named group of host interfaces. An entry opts into profiles; this module only
answers *which* profiles a list of tokens selects and which profile an imported interface
belongs to. Linking (what actually reaches real host functions) is `host_linking.py`.

Resolution follows Wippy's `hosts.go`: every token is lower-cased, trimmed and cut at `@`
(version-agnostic), then looked up under the profile's name, its aliases and every interface
it provides, so `wasi:io/poll`, `wasi:io/poll@0.2.3` and `wasi:poll` all select `wasi:poll`.
Unknown tokens and component-only profiles on core modules fail with Wippy's error texts.

One profile is ours, not Wippy's: `context` (`wippy:runtime/context`, host_context.py) lets a
guest read the actor and request context it inherited. It resolves like the others (under
`context` and its interface name) and is component-only.
"""

from __future__ import annotations

from dataclasses import dataclass

UNSUPPORTED = "unsupported wasm host import: {id}"
NEEDS_COMPONENT = "wasm host import requires component module: {id}"


@dataclass(frozen=True)
class Profile:
    """One row of the host-profile table.

    `interfaces` are the namespaces Wippy registers (unversioned; Wippy's versions are kept in
    `versions` for documentation — wasmtime links any semver-compatible 0.2.x import).
    `companions` are interfaces that are not accepted as `imports:` tokens (Wippy does not list
    them) but can only come with this profile when a module imports them: resource-only or
    type-only interfaces such as `wasi:sockets/network`, whose resource every sockets function
    uses. They let the runtime name the right profile in a stub's error.
    """

    id: str
    description: str
    interfaces: tuple[str, ...] = ()
    versions: tuple[str, ...] = ()
    component_only: bool = True
    aliases: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()


PROFILES: tuple[Profile, ...] = (
    Profile("wasi:io", "streams and error handling",
            ("wasi:io/error", "wasi:io/streams"), ("0.2.8", "0.2.8")),
    Profile("wasi:poll", "async polling / cooperative yielding",
            ("wasi:io/poll",), ("0.2.8",)),
    Profile("wasi:clocks", "wall clock and monotonic clock",
            ("wasi:clocks/wall-clock", "wasi:clocks/monotonic-clock"), ("0.2.3", "0.2.8")),
    Profile("wasi:cli", "environment, exit, stdin/stdout/stderr, terminal",
            ("wasi:cli/environment", "wasi:cli/exit", "wasi:cli/stdin", "wasi:cli/stdout",
             "wasi:cli/stderr", "wasi:cli/terminal-stdin", "wasi:cli/terminal-stdout",
             "wasi:cli/terminal-stderr"), ("0.2.3",) * 8,
            companions=("wasi:cli/terminal-input", "wasi:cli/terminal-output")),
    Profile("wasi:filesystem", "file system access through mounted directories",
            ("wasi:filesystem/types", "wasi:filesystem/preopens"), ("0.2.3", "0.2.3")),
    Profile("wasi:random", "cryptographically secure random numbers",
            ("wasi:random/random", "wasi:random/insecure", "wasi:random/insecure-seed"),
            ("0.2.0",) * 3),
    Profile("wasi:sockets", "TCP/UDP networking and DNS resolution",
            ("wasi:sockets/instance-network", "wasi:sockets/tcp-create-socket",
             "wasi:sockets/tcp", "wasi:sockets/udp-create-socket", "wasi:sockets/udp",
             "wasi:sockets/ip-name-lookup"), ("0.2.0",) * 6,
            companions=("wasi:sockets/network",)),
    Profile("wasi:http", "outgoing HTTP client requests",
            ("wasi:http/types", "wasi:http/outgoing-handler"), ("0.2.8", "0.2.8")),
    Profile("funcs", "call registry functions (Lua or WASM) from WASM",
            ("wippy:runtime/funcs",), ("0.1.0",)),
    # not in Wippy: read the inherited actor and request context (host_context.py)
    Profile("context", "read the inherited actor id/meta and request context values",
            ("wippy:runtime/context",), ("0.1.0",)),
    Profile("wasi1", "WASI preview 1 for core modules", (), (), component_only=False,
            aliases=("wasi-preview1", "preview1", "wasi_snapshot_preview1")),
)

BY_ID: dict[str, Profile] = {p.id: p for p in PROFILES}


def normalize(token: str) -> str:
    """Wippy's token normalisation: lower-case, trim, drop everything from `@`."""
    return token.strip().lower().split("@", 1)[0].strip()


def _build_index() -> tuple[dict[str, Profile], dict[str, Profile]]:
    tokens: dict[str, Profile] = {}
    interfaces: dict[str, Profile] = {}
    for profile in PROFILES:
        for name in (profile.id, *profile.aliases, *profile.interfaces):
            tokens[name] = profile
        for name in (*profile.interfaces, *profile.companions):
            interfaces[name] = profile
    return tokens, interfaces


_TOKENS, _INTERFACES = _build_index()


class HostImportError(ValueError):
    """An `imports:` token that does not resolve (message in Wippy's wording)."""


def resolve_token(token: str) -> Profile:
    """The profile a token selects, or HostImportError("unsupported wasm host import: …")."""
    profile = _TOKENS.get(normalize(token))
    if profile is None:
        raise HostImportError(UNSUPPORTED.format(id=token.strip()))
    return profile


def resolve_imports(tokens: tuple[str, ...] | list[str], *, component: bool) -> tuple[Profile, ...]:
    """The declared profiles, de-duplicated in declaration order.

    Raises HostImportError for an unknown token, or for a component-only profile on a core
    module (WAT entries are always core modules).
    """
    out: list[Profile] = []
    for token in tokens:
        profile = resolve_token(token)
        if profile.component_only and not component:
            raise HostImportError(NEEDS_COMPONENT.format(id=token.strip()))
        if not profile.component_only and component:
            # wasi1 on a component: Wippy registers no host for it (preview 1 is a core ABI);
            # accepted and inert, like Wippy, rather than a load error.
            pass
        if profile not in out:
            out.append(profile)
    return tuple(out)


def interface_name(import_name: str) -> str:
    """`wasi:cli/stdout@0.2.0` -> `wasi:cli/stdout` (lower-cased)."""
    return normalize(import_name)


def profile_for_interface(import_name: str) -> Profile | None:
    """The profile that provides an imported interface (any version), or None."""
    return _INTERFACES.get(interface_name(import_name))
