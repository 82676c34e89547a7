;; The blocked full-ranking kernel: scores a block of query rows (users) against a range of item
;; panels as one [rows × dim]·[dim × items] product in 128-bit SIMD, adds the item and query
;; biases, and keeps each row's top k in a heap in this memory, so no score matrix is stored and
;; JavaScript only reads the final lists. A row's 8 scores of a panel are kept only when one beats
;; the row's threshold (-Infinity until the heap holds k, then its worst score): as a record that
;; the heap update drains after the panel, out of the SIMD loop (a call there would make the
;; engine spill the accumulators). Once the heaps fill, that test is the whole per-panel cost.
;;
;; Layout (byte offsets, 16-byte aligned; see ../score-block.ts and ../../dot-topk.ts, which pack it):
;; - items in panels of 8: panel p holds dim × 8 floats, item p·8+l's factor f at
;;   $Q + (p·dim + f)·32 + l·4; padding items are zero with bias -Infinity;
;; - queries in quads of 4 rows: quad g holds dim × 4 floats, row g·4+r's factor f at
;;   $U + (g·dim + f)·16 + r·4; $UB, $T: one f32 per row (query bias, threshold);
;; - heaps: $HZ one i32 per row (entries held); row r's entries at $HS + r·kk·4 (f32 scores) and
;;   $HI + r·kk·4 (i32 items), a min-heap on (score, then higher item id = worse): the worst at 0;
;; - masks: row r's items to leave out as a bitset of $xw words at $X + r·xw·4 (bit i%32 of word i/32);
;; - records at $R: one per (row, panel) with a score above the row's threshold: i32 row, i32 bit
;;   mask of the lanes above it, the 8 f32 scores (40 bytes; at most one per row, drained into the
;;   heaps after each panel).
;;
;; Rounding: each lane accumulates acc = acc + q·u over f = 0..dim−1 in float32 (a multiply, then
;; an add; no fused multiply-add), then (acc + itemBias) + queryBias: exactly the sequential
;; float32 loop of dotScoreRow in ../../dot-topk.ts, so the blocked and the per-user paths rank alike.
;; Ties: items reach a row in ascending id order and enter only strictly above the threshold, so
;; an equal score never displaces a lower id: ties go to the lower id, as in selectTopK.
;;
;; scripts/build-wasm.mjs (packages/models) assembles it twice, with "(memory 1)" and
;; "(memory 1 65536 shared)" in place of $MEMORY.
(module
  (import "env" "memory" $MEMORY)

  ;; The heaps of the current call (set by scoreTopK; each worker has its own instance).
  (global $T (mut i32) (i32.const 0))
  (global $HZ (mut i32) (i32.const 0))
  (global $HS (mut i32) (i32.const 0))
  (global $HI (mut i32) (i32.const 0))
  (global $kk (mut i32) (i32.const 0))
  (global $X (mut i32) (i32.const 0))
  (global $xw (mut i32) (i32.const 0))

  ;; Places (s, it) at the root of the heap [hs, hi) of `size` entries and sifts it down.
  (func $siftDown (param $hs i32) (param $hi i32) (param $size i32) (param $s f32) (param $it i32)
    (local $c i32) (local $l i32) (local $m i32) (local $ms f32) (local $mi i32) (local $rs f32) (local $ri i32) (local $w i32)
    (block $done
      (loop $down
        (local.set $l (i32.add (i32.shl (local.get $c) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_s (local.get $l) (local.get $size)))
        (local.set $m (local.get $l))
        (local.set $ms (f32.load (i32.add (local.get $hs) (i32.shl (local.get $l) (i32.const 2)))))
        (local.set $mi (i32.load (i32.add (local.get $hi) (i32.shl (local.get $l) (i32.const 2)))))
        (if (i32.lt_s (i32.add (local.get $l) (i32.const 1)) (local.get $size))
          (then
            (local.set $rs (f32.load offset=4 (i32.add (local.get $hs) (i32.shl (local.get $l) (i32.const 2)))))
            (local.set $ri (i32.load offset=4 (i32.add (local.get $hi) (i32.shl (local.get $l) (i32.const 2)))))
            ;; The worse child (a lower score, or an equal one and a higher id), chosen without a
            ;; branch: which child it is is a coin toss the branch predictor would lose.
            (local.set $w (i32.or (f32.lt (local.get $rs) (local.get $ms))
              (i32.and (f32.eq (local.get $rs) (local.get $ms)) (i32.gt_s (local.get $ri) (local.get $mi)))))
            (local.set $m (i32.add (local.get $l) (local.get $w)))
            (local.set $ms (select (local.get $rs) (local.get $ms) (local.get $w)))
            (local.set $mi (select (local.get $ri) (local.get $mi) (local.get $w)))))
        (br_if $done (f32.lt (local.get $s) (local.get $ms)))
        (br_if $done (i32.and (f32.eq (local.get $s) (local.get $ms)) (i32.gt_s (local.get $it) (local.get $mi))))
        (f32.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 2))) (local.get $ms))
        (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2))) (local.get $mi))
        (local.set $c (local.get $m))
        (br $down)))
    (f32.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
    (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2))) (local.get $it)))

  ;; Drains the records [$R, $end) of panel $p into their rows' heaps: the lanes of the record's
  ;; mask in item order; an item enters when above the row's threshold (re-read: it rises as the heap fills) and not
  ;; masked; the threshold becomes the heap's worst score once it holds kk entries.
  (func $drain (param $p i32) (param $R i32) (param $end i32)
    (local $rec i32) (local $row i32) (local $mask i32) (local $l i32) (local $it i32) (local $s f32)
    (local $ta i32) (local $xa i32) (local $hs i32) (local $hi i32) (local $za i32) (local $size i32)
    (local $c i32) (local $q i32) (local $ps f32) (local $pi i32)
    (local.set $rec (local.get $R))
    (block $doneRecs
      (loop $recs
        (br_if $doneRecs (i32.ge_u (local.get $rec) (local.get $end)))
        (local.set $row (i32.load (local.get $rec)))
        (local.set $ta (i32.add (global.get $T) (i32.shl (local.get $row) (i32.const 2))))
        (local.set $xa (i32.add (global.get $X) (i32.shl (i32.mul (local.get $row) (global.get $xw)) (i32.const 2))))
        (local.set $hs (i32.add (global.get $HS) (i32.shl (i32.mul (local.get $row) (global.get $kk)) (i32.const 2))))
        (local.set $hi (i32.add (global.get $HI) (i32.shl (i32.mul (local.get $row) (global.get $kk)) (i32.const 2))))
        (local.set $za (i32.add (global.get $HZ) (i32.shl (local.get $row) (i32.const 2))))
        (local.set $mask (i32.load offset=4 (local.get $rec)))
        (block $doneLanes
          (loop $lanes
            (br_if $doneLanes (i32.eqz (local.get $mask)))
            (local.set $l (i32.ctz (local.get $mask)))
            (local.set $mask (i32.and (local.get $mask) (i32.sub (local.get $mask) (i32.const 1))))
            (local.set $s (f32.load offset=8 (i32.add (local.get $rec) (i32.shl (local.get $l) (i32.const 2)))))
            (local.set $it (i32.add (i32.shl (local.get $p) (i32.const 3)) (local.get $l)))
            (br_if $lanes (i32.eqz (f32.gt (local.get $s) (f32.load (local.get $ta)))))
            (br_if $lanes (i32.and
              (i32.load (i32.add (local.get $xa) (i32.shl (i32.shr_u (local.get $it) (i32.const 5)) (i32.const 2))))
              (i32.shl (i32.const 1) (local.get $it))))
            (local.set $size (i32.load (local.get $za)))
            (if (i32.lt_s (local.get $size) (global.get $kk))
              (then
                ;; Not full: sift the new entry up while its parent ranks above it (the parent is
                ;; worse: a lower score, or an equal one and a higher id).
                (local.set $c (local.get $size))
                (block $placed
                  (loop $up
                    (br_if $placed (i32.eqz (local.get $c)))
                    (local.set $q (i32.shr_u (i32.sub (local.get $c) (i32.const 1)) (i32.const 1)))
                    (local.set $ps (f32.load (i32.add (local.get $hs) (i32.shl (local.get $q) (i32.const 2)))))
                    (local.set $pi (i32.load (i32.add (local.get $hi) (i32.shl (local.get $q) (i32.const 2)))))
                    (br_if $placed (f32.lt (local.get $ps) (local.get $s)))
                    (br_if $placed (i32.and (f32.eq (local.get $ps) (local.get $s)) (i32.gt_s (local.get $pi) (local.get $it))))
                    (f32.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 2))) (local.get $ps))
                    (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2))) (local.get $pi))
                    (local.set $c (local.get $q))
                    (br $up)))
                (f32.store (i32.add (local.get $hs) (i32.shl (local.get $c) (i32.const 2))) (local.get $s))
                (i32.store (i32.add (local.get $hi) (i32.shl (local.get $c) (i32.const 2))) (local.get $it))
                (local.set $size (i32.add (local.get $size) (i32.const 1)))
                (i32.store (local.get $za) (local.get $size))
                (if (i32.eq (local.get $size) (global.get $kk))
                  (then (f32.store (local.get $ta) (f32.load (local.get $hs))))))
              (else
                ;; Full: s beats the worst (it passed the threshold), which it replaces.
                (call $siftDown (local.get $hs) (local.get $hi) (local.get $size) (local.get $s) (local.get $it))
                (f32.store (local.get $ta) (f32.load (local.get $hs)))))
            (br $lanes)))
        (local.set $rec (i32.add (local.get $rec) (i32.const 40)))
        (br $recs))))

  ;; Scores query quads [0, rows/4) against panels [p0, p1) into the rows' heaps; returns the
  ;; number of (row, panel) pairs offered. rows is a multiple of 4 (padding rows carry threshold
  ;; +Infinity, so with every threshold at +Infinity this is the product alone).
  (func (export "scoreTopK")
    (param $U i32) (param $rows i32) (param $UB i32) (param $T i32)
    (param $Q i32) (param $B i32) (param $dim i32) (param $p0 i32) (param $p1 i32)
    (param $HZ i32) (param $HS i32) (param $HI i32) (param $kk i32) (param $X i32) (param $xw i32) (param $R i32)
    (result i32)
    (local $p i32) (local $g i32) (local $qp i32) (local $qEnd i32) (local $up i32)
    (local $panelBytes i32) (local $taken i32) (local $row i32) (local $o i32)
    (local $s v128) (local $q0 v128) (local $q1 v128) (local $b0 v128) (local $b1 v128) (local $t v128)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128)
    (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (global.set $T (local.get $T))
    (global.set $HZ (local.get $HZ))
    (global.set $HS (local.get $HS))
    (global.set $HI (local.get $HI))
    (global.set $kk (local.get $kk))
    (global.set $X (local.get $X))
    (global.set $xw (local.get $xw))
    (local.set $panelBytes (i32.shl (local.get $dim) (i32.const 5)))
    (local.set $o (local.get $R))
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
                (i32.store offset=4 (local.get $o) (i32.or (i32x4.bitmask (f32x4.gt (local.get $a00) (local.get $t)))
                  (i32.shl (i32x4.bitmask (f32x4.gt (local.get $a01) (local.get $t))) (i32.const 4))))
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
                (i32.store offset=4 (local.get $o) (i32.or (i32x4.bitmask (f32x4.gt (local.get $a10) (local.get $t)))
                  (i32.shl (i32x4.bitmask (f32x4.gt (local.get $a11) (local.get $t))) (i32.const 4))))
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
                (i32.store offset=4 (local.get $o) (i32.or (i32x4.bitmask (f32x4.gt (local.get $a20) (local.get $t)))
                  (i32.shl (i32x4.bitmask (f32x4.gt (local.get $a21) (local.get $t))) (i32.const 4))))
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
                (i32.store offset=4 (local.get $o) (i32.or (i32x4.bitmask (f32x4.gt (local.get $a30) (local.get $t)))
                  (i32.shl (i32x4.bitmask (f32x4.gt (local.get $a31) (local.get $t))) (i32.const 4))))
                (v128.store offset=8 (local.get $o) (local.get $a30))
                (v128.store offset=24 (local.get $o) (local.get $a31))
                (local.set $o (i32.add (local.get $o) (i32.const 40)))))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (br $quads)))
        (if (i32.ne (local.get $o) (local.get $R))
          (then
            (local.set $taken (i32.add (local.get $taken) (i32.div_u (i32.sub (local.get $o) (local.get $R)) (i32.const 40))))
            (call $drain (local.get $p) (local.get $R) (local.get $o))
            (local.set $o (local.get $R))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $panels)))
    (local.get $taken))

  ;; Sorts the heaps of rows [0, rows) in place, best first (ties to the lower id): the root, the
  ;; worst left, moves to the end of the shrinking heap, as selectTopK pops its heap.
  (func (export "sortTopK") (param $rows i32) (param $HZ i32) (param $HS i32) (param $HI i32) (param $kk i32)
    (local $r i32) (local $hs i32) (local $hi i32) (local $end i32) (local $ts f32) (local $ti i32)
    (block $doneRows
      (loop $rowsLoop
        (br_if $doneRows (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $hs (i32.add (local.get $HS) (i32.shl (i32.mul (local.get $r) (local.get $kk)) (i32.const 2))))
        (local.set $hi (i32.add (local.get $HI) (i32.shl (i32.mul (local.get $r) (local.get $kk)) (i32.const 2))))
        (local.set $end (i32.sub (i32.load (i32.add (local.get $HZ) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 1)))
        (block $sorted
          (loop $pop
            (br_if $sorted (i32.le_s (local.get $end) (i32.const 0)))
            (local.set $ts (f32.load (local.get $hs)))
            (local.set $ti (i32.load (local.get $hi)))
            (call $siftDown (local.get $hs) (local.get $hi) (local.get $end)
              (f32.load (i32.add (local.get $hs) (i32.shl (local.get $end) (i32.const 2))))
              (i32.load (i32.add (local.get $hi) (i32.shl (local.get $end) (i32.const 2)))))
            (f32.store (i32.add (local.get $hs) (i32.shl (local.get $end) (i32.const 2))) (local.get $ts))
            (i32.store (i32.add (local.get $hi) (i32.shl (local.get $end) (i32.const 2))) (local.get $ti))
            (local.set $end (i32.sub (local.get $end) (i32.const 1)))
            (br $pop)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsLoop))))
)
