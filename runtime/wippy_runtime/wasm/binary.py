"""Telling core modules from components by their header, as Wippy's `IsComponent` does."""

from __future__ import annotations

WASM_MAGIC = b"\x00asm"
CORE_LAYER = b"\x01\x00\x00\x00"  # version 1, layer 0


def is_wasm(data: bytes) -> bool:
    return data[:4] == WASM_MAGIC


def is_component(data: bytes) -> bool:
    """A component has the same magic but a non-zero layer field (bytes 6..8)."""
    return is_wasm(data) and len(data) >= 8 and data[4:8] != CORE_LAYER and data[6:8] != b"\x00\x00"
