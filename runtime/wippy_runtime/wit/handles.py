"""Resource handles: opaque values Lua holds and passes back, one class per backend.

The base class carries the WIT resource type, so the checker (`convert`) can refuse a handle
of the wrong resource before any backend sees it; each backend's subclass carries what that
backend needs to pass the handle on (a core module's i32, a wasmtime `ResourceAny`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wasmtime.component import ResourceAny

    from .types import ResourceType

__all__ = ["ResourceHandle", "CoreResource", "ComponentResource"]


class ResourceHandle:
    """An opaque handle to a resource that Lua can hold and pass back.

    Backends subclass it (a wasmtime `ResourceAny`, a core-module table index); `resource`
    is the WIT resource type, so passing a handle of the wrong resource is caught here.
    """

    __slots__ = ("resource", "__weakref__")

    def __init__(self, resource: ResourceType) -> None:
        self.resource = resource

    def __repr__(self) -> str:
        return f"<{self.resource.name} handle>"


class CoreResource(ResourceHandle):
    """A resource handle of a core module: just the i32 the module handed out."""

    __slots__ = ("index",)

    def __init__(self, resource: ResourceType, index: int) -> None:
        super().__init__(resource)
        self.index = index


class ComponentResource(ResourceHandle):
    """A guest resource handle (`own`/`borrow`) that Lua holds as an opaque value."""

    __slots__ = ("any",)

    def __init__(self, resource: ResourceType, any_: ResourceAny) -> None:
        super().__init__(resource)
        self.any = any_

    def drop(self, store: Any) -> None:
        """Run the guest destructor now instead of leaking the handle in the store."""
        self.any.drop(store)
