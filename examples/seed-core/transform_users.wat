;; transform_users for the seed example, as a plain core module with a hand-written
;; canonical ABI (called with the entry's `wit`; see tests/fixtures/components/echo.wat for
;; the full echo module this is taken from).
;;
;; Memory map
;;   16..20     "seen" (appended to every user's tags)
;;   32..40     return area: the result list's (ptr, len)
;;   1024..     bump heap served by cabi_realloc, reset by cabi_post_transform-users
(module

  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 16) "seen")

  ;; ---- allocation ---------------------------------------------------------------------

  ;; cabi_realloc(old_ptr, old_size, align, new_size) -> ptr: bump allocation, never frees.
  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    ;; ptr = heap rounded up to align (align is a power of two)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    ;; grow linear memory when the block does not fit
    (local.set $have (i32.mul (memory.size) (i32.const 65536)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow
                (i32.div_u
                  (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                  (i32.const 65536)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    ;; a reallocation keeps the old contents
    (if (local.get $old)
      (then
        (memory.copy (local.get $ptr) (local.get $old)
          (select (local.get $old_size) (local.get $size)
            (i32.lt_u (local.get $old_size) (local.get $size))))))
    (local.get $ptr))

  ;; post-return: the host has copied the result out, so the heap can start over
  (func $reset (param i32)
    (global.set $heap (i32.const 1024)))

  ;; ---- transform-users ------------------------------------------------------------------
  ;; record user { id: u32, name: string, tags: list<string>, active: bool }
  ;; layout: id@0, name ptr@4 len@8, tags ptr@12 len@16, active@20; size 24, align 4
  ;; Each output user: same id, name = "@" + name, tags = tags + ["seen"], active negated.
  (func $transform_users (export "transform-users") (param $users i32) (param $count i32)
    (result i32)
    (local $out i32) (local $i i32) (local $src i32) (local $dst i32)
    (local $len i32) (local $ptr i32)
    (local.set $out
      (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 4)
        (i32.mul (local.get $count) (i32.const 24))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $src (i32.add (local.get $users) (i32.mul (local.get $i) (i32.const 24))))
        (local.set $dst (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 24))))
        ;; id
        (i32.store (local.get $dst) (i32.load (local.get $src)))
        ;; name: a new string, "@" followed by the old bytes
        (local.set $len (i32.load offset=8 (local.get $src)))
        (local.set $ptr
          (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.add (local.get $len) (i32.const 1))))
        (i32.store8 (local.get $ptr) (i32.const 64))  ;; '@'
        (memory.copy (i32.add (local.get $ptr) (i32.const 1))
          (i32.load offset=4 (local.get $src)) (local.get $len))
        (i32.store offset=4 (local.get $dst) (local.get $ptr))
        (i32.store offset=8 (local.get $dst) (i32.add (local.get $len) (i32.const 1)))
        ;; tags: copy the (ptr, len) string headers and append one for "seen"
        (local.set $len (i32.load offset=16 (local.get $src)))
        (local.set $ptr
          (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 4)
            (i32.mul (i32.add (local.get $len) (i32.const 1)) (i32.const 8))))
        (memory.copy (local.get $ptr) (i32.load offset=12 (local.get $src))
          (i32.mul (local.get $len) (i32.const 8)))
        (i32.store (i32.add (local.get $ptr) (i32.mul (local.get $len) (i32.const 8)))
          (i32.const 16))  ;; "seen" lives at 16
        (i32.store offset=4 (i32.add (local.get $ptr) (i32.mul (local.get $len) (i32.const 8)))
          (i32.const 4))
        (i32.store offset=12 (local.get $dst) (local.get $ptr))
        (i32.store offset=16 (local.get $dst) (i32.add (local.get $len) (i32.const 1)))
        ;; active
        (i32.store8 offset=20 (local.get $dst) (i32.eqz (i32.load8_u offset=20 (local.get $src))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.store (i32.const 32) (local.get $out))
    (i32.store (i32.const 36) (local.get $count))
    (i32.const 32))

  (export "cabi_post_transform-users" (func $reset)))
