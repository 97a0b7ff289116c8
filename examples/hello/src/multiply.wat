;; A core module compiled to wasm/multiply.wasm by examples/hello/build.py.
(module
  (func (export "multiply") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.mul)
  ;; Divides; traps on division by zero, which the tests use to check recovery.
  (func (export "divide") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    i32.div_s))
