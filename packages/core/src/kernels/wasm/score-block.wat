;; The blocked scoring kernel of full ranking: scores a block of query rows (users) against a range
;; of item panels as one [rows × dim]·[dim × items] product in 128-bit SIMD, adds the item and
;; query biases, and keeps only what can enter a top-k: a query row's 8 scores of a panel are
;; written out when at least one beats the row's threshold (the k-th best score so far, kept by
;; the caller). No score matrix is ever stored.
;;
;; Layout (byte offsets, 16-byte aligned; see ../score-block.ts, which packs it):
;; - items in panels of 8: panel p holds dim × 8 floats, item p·8+l's factor f at
;;   $Q + (p·dim + f)·32 + l·4; padding items are zero with bias -Infinity;
;; - queries in quads of 4 rows: quad g holds dim × 4 floats, row g·4+r's factor f at
;;   $U + (g·dim + f)·16 + r·4; $UB, $T: one float per row (query bias, threshold);
;; - a record is i32 row, i32 panel, then the 8 f32 scores of that row and panel (40 bytes).
;;
;; Rounding: each lane accumulates acc = acc + q·u over f = 0..dim−1 in float32 (a multiply, then
;; an add; no fused multiply-add), then (acc + itemBias) + queryBias: exactly the sequential
;; float32 loop of dotScoreRow in ../dot-score.ts, so the blocked and the per-user paths rank alike.
;;
;; scripts/build-wasm.mjs (packages/models) assembles it twice, with "(memory 1)" and
;; "(memory 1 65536 shared)" in place of $MEMORY.
(module
  (import "env" "memory" $MEMORY)

  ;; Scores query quads [0, rows/4) against panels [p0, p1); returns the number of records
  ;; written at $out. rows is a multiple of 4 (padding rows carry threshold +Infinity).
  (func (export "scoreBlock")
    (param $U i32) (param $rows i32) (param $UB i32) (param $T i32)
    (param $Q i32) (param $B i32) (param $dim i32) (param $p0 i32) (param $p1 i32) (param $out i32)
    (result i32)
    (local $p i32) (local $g i32) (local $qp i32) (local $qEnd i32) (local $up i32)
    (local $panelBytes i32) (local $quadBytes i32) (local $o i32) (local $row i32)
    (local $s v128) (local $q0 v128) (local $q1 v128) (local $b0 v128) (local $b1 v128) (local $t v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local.set $panelBytes (i32.shl (local.get $dim) (i32.const 5)))
    (local.set $quadBytes (i32.shl (local.get $dim) (i32.const 4)))
    (local.set $o (local.get $out))
    (local.set $p (local.get $p0))
    (block $donePanels
      (loop $panels
        (br_if $donePanels (i32.ge_u (local.get $p) (local.get $p1)))
        (local.set $b0 (v128.load (i32.add (local.get $B) (i32.shl (local.get $p) (i32.const 5)))))
        (local.set $b1 (v128.load offset=16 (i32.add (local.get $B) (i32.shl (local.get $p) (i32.const 5)))))
        (local.set $g (i32.const 0))
        (local.set $up (local.get $U))
        (block $doneQuads
          (loop $quads
            (br_if $doneQuads (i32.ge_u (local.get $g) (local.get $rows)))
            (local.set $qp (i32.add (local.get $Q) (i32.mul (local.get $p) (local.get $panelBytes))))
            (local.set $qEnd (i32.add (local.get $qp) (local.get $panelBytes)))
            (local.set $a00 (v128.const i64x2 0 0)) (local.set $a01 (v128.const i64x2 0 0))
            (local.set $a10 (v128.const i64x2 0 0)) (local.set $a11 (v128.const i64x2 0 0))
            (local.set $a20 (v128.const i64x2 0 0)) (local.set $a21 (v128.const i64x2 0 0))
            (local.set $a30 (v128.const i64x2 0 0)) (local.set $a31 (v128.const i64x2 0 0))
            (block $doneF
              (loop $f
                (br_if $doneF (i32.ge_u (local.get $qp) (local.get $qEnd)))
                (local.set $q0 (v128.load (local.get $qp)))
                (local.set $q1 (v128.load offset=16 (local.get $qp)))
                (local.set $s (v128.load32_splat (local.get $up)))
                (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $q0))))
                (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $q1))))
                (local.set $s (v128.load32_splat offset=4 (local.get $up)))
                (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $q0))))
                (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $q1))))
                (local.set $s (v128.load32_splat offset=8 (local.get $up)))
                (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s) (local.get $q0))))
                (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s) (local.get $q1))))
                (local.set $s (v128.load32_splat offset=12 (local.get $up)))
                (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s) (local.get $q0))))
                (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s) (local.get $q1))))
                (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
                (local.set $up (i32.add (local.get $up) (i32.const 16)))
                (br $f)))
            ;; (acc + item bias) + query bias, then each row's test against its threshold.
            (local.set $row (local.get $g))
            (local.set $s (v128.load32_splat (i32.add (local.get $UB) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $a00 (f32x4.add (f32x4.add (local.get $a00) (local.get $b0)) (local.get $s)))
            (local.set $a01 (f32x4.add (f32x4.add (local.get $a01) (local.get $b1)) (local.get $s)))
            (local.set $t (v128.load32_splat (i32.add (local.get $T) (i32.shl (local.get $row) (i32.const 2)))))
            (if (v128.any_true (v128.or (f32x4.gt (local.get $a00) (local.get $t)) (f32x4.gt (local.get $a01) (local.get $t))))
              (then
                (i32.store (local.get $o) (local.get $row))
                (i32.store offset=4 (local.get $o) (local.get $p))
                (v128.store offset=8 (local.get $o) (local.get $a00))
                (v128.store offset=24 (local.get $o) (local.get $a01))
                (local.set $o (i32.add (local.get $o) (i32.const 40)))))
            (local.set $row (i32.add (local.get $g) (i32.const 1)))
            (local.set $s (v128.load32_splat (i32.add (local.get $UB) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $a10 (f32x4.add (f32x4.add (local.get $a10) (local.get $b0)) (local.get $s)))
            (local.set $a11 (f32x4.add (f32x4.add (local.get $a11) (local.get $b1)) (local.get $s)))
            (local.set $t (v128.load32_splat (i32.add (local.get $T) (i32.shl (local.get $row) (i32.const 2)))))
            (if (v128.any_true (v128.or (f32x4.gt (local.get $a10) (local.get $t)) (f32x4.gt (local.get $a11) (local.get $t))))
              (then
                (i32.store (local.get $o) (local.get $row))
                (i32.store offset=4 (local.get $o) (local.get $p))
                (v128.store offset=8 (local.get $o) (local.get $a10))
                (v128.store offset=24 (local.get $o) (local.get $a11))
                (local.set $o (i32.add (local.get $o) (i32.const 40)))))
            (local.set $row (i32.add (local.get $g) (i32.const 2)))
            (local.set $s (v128.load32_splat (i32.add (local.get $UB) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $a20 (f32x4.add (f32x4.add (local.get $a20) (local.get $b0)) (local.get $s)))
            (local.set $a21 (f32x4.add (f32x4.add (local.get $a21) (local.get $b1)) (local.get $s)))
            (local.set $t (v128.load32_splat (i32.add (local.get $T) (i32.shl (local.get $row) (i32.const 2)))))
            (if (v128.any_true (v128.or (f32x4.gt (local.get $a20) (local.get $t)) (f32x4.gt (local.get $a21) (local.get $t))))
              (then
                (i32.store (local.get $o) (local.get $row))
                (i32.store offset=4 (local.get $o) (local.get $p))
                (v128.store offset=8 (local.get $o) (local.get $a20))
                (v128.store offset=24 (local.get $o) (local.get $a21))
                (local.set $o (i32.add (local.get $o) (i32.const 40)))))
            (local.set $row (i32.add (local.get $g) (i32.const 3)))
            (local.set $s (v128.load32_splat (i32.add (local.get $UB) (i32.shl (local.get $row) (i32.const 2)))))
            (local.set $a30 (f32x4.add (f32x4.add (local.get $a30) (local.get $b0)) (local.get $s)))
            (local.set $a31 (f32x4.add (f32x4.add (local.get $a31) (local.get $b1)) (local.get $s)))
            (local.set $t (v128.load32_splat (i32.add (local.get $T) (i32.shl (local.get $row) (i32.const 2)))))
            (if (v128.any_true (v128.or (f32x4.gt (local.get $a30) (local.get $t)) (f32x4.gt (local.get $a31) (local.get $t))))
              (then
                (i32.store (local.get $o) (local.get $row))
                (i32.store offset=4 (local.get $o) (local.get $p))
                (v128.store offset=8 (local.get $o) (local.get $a30))
                (v128.store offset=24 (local.get $o) (local.get $a31))
                (local.set $o (i32.add (local.get $o) (i32.const 40)))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (br $quads)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panels)))
    (i32.div_u (i32.sub (local.get $o) (local.get $out)) (i32.const 40)))
)
