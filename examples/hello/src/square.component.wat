;; A component (text form) compiled to wasm/square.component.wasm by examples/hello/build.py.
(component
  (core module $m
    (func (export "square") (param i64) (result i64)
      local.get 0
      local.get 0
      i64.mul))
  (core instance $i (instantiate $m))
  (func $square (param "x" s64) (result s64) (canon lift (core func $i "square")))
  (export "square" (func $square)))
