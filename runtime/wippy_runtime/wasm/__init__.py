"""The WebAssembly host: engine, compile cache, core fast path, components."""
