;; LightGCN's kernels in WebAssembly with 128-bit SIMD.
;;
;; "spmm": the sparse propagation, one layer of Ã·X over one CSR of the normalised user–item graph
;; (rows [r0, r1) of users → items or of items → users), the same product for the forward pass
;; and, Ã being symmetric, for the backward pass:
;;
;;   v_r   = Σ_{p ∈ row r} w[p] · src[cols[p]]                 (rows of `dim` floats)
;;   dst_r = v_r + beta · add_r          (mode bit 1; else dst_r = v_r)
;;   out_r = out_r + alpha · dst_r       (mode bit 2)
;;
;; Bit 2 is the forward's running sum Σ_k w_k E^k, bit 1 the backward's Horner step Ã·h + w_k·G,
;; both fused into the row's single store so no second pass over the embeddings is needed.
;; All pointers are in bytes; dst, add and out point at the block's row 0 (the caller offsets them
;; to the items' block), src at column 0; indptr holds edge indices into cols and w. dim must be a
;; positive multiple of 4. A row is processed in column blocks of 32, then 16, then 4 floats, each
;; block's accumulators held in f32x4 locals across the row's edges (one splat of w[p] and one
;; gather of the neighbour's block per edge), stored once. Sums run in f32 in edge order.
;;
;; "slotGrads": the slots' part of a step on the final embeddings F (users' rows then items'):
;; scores f_u·f_i of each slot's positive and negatives, dL/ds by the shared loss rules
;; (common.wat's lossGrad: bpr, logistic, gbce, softmax), and ∂L/∂F accumulated into G.
;;
;;
;; "scorePairs": f_u·f_i of (user, item) pairs on F, for the model-aware samplers' scorer.
;;
;; "denseUpdate" and "cachedRows": the optimiser steps on E⁰ (SGD or Adagrad, f32x4 lanes) of the
;; exact step (every element) and of the cached-layers step (the batch's rows; see step.ts).
;;
;; scripts/build-wasm.mjs assembles it over a plain and over a shared imported memory, with the
;; math and loss sections of the shared prelude src/wasm/common.wat.
(module
  (import "env" "memory" $MEMORY)

  ;; @include math

  ;; @include loss

  ;; dst[0..bytes) += g · src[0..bytes) (f32 rows, bytes a multiple of 16).
  (func $axpy (param $dst i32) (param $src i32) (param $bytes i32) (param $g f32)
    (local $f i32) (local $vg v128)
    (local.set $vg (f32x4.splat (local.get $g)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $f) (local.get $bytes)))
      (v128.store (i32.add (local.get $dst) (local.get $f)) (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $f)))
        (f32x4.mul (local.get $vg) (v128.load (i32.add (local.get $src) (local.get $f))))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br $l))))

  ;; Slots [0, n): users, positives (item ids), negatives [n·k] (−1 masked) and their logQ [n·k]
  ;; (read for softmax with the correction). Writes each slot's dL/ds of its k + 1 candidates
  ;; (float64) at grads + slot·(k + 1)·8; `exps` is scratch of k + 1 float64, `scores` too. G must
  ;; hold the rows' running gradient (zero at a step's start). Returns the summed loss.
  (func (export "slotGrads") (param $F i32) (param $G i32) (param $dim i32) (param $nu i32)
    (param $users i32) (param $pos i32) (param $negs i32) (param $logQ i32) (param $n i32) (param $k i32)
    (param $grads i32) (param $scores i32) (param $exps i32)
    (param $loss i32) (param $invT f64) (param $correct f64) (param $beta f64) (result f64)
    (local $sl i32) (local $c i32) (local $rowBytes i32) (local $uo i32) (local $go i32) (local $item i32)
    (local $gr i32) (local $no i32) (local $gc f64) (local $total f64) (local $io i32)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $slotsDone (loop $slots
      (br_if $slotsDone (i32.ge_u (local.get $sl) (local.get $n)))
      (local.set $uo (i32.mul (i32.load (i32.add (local.get $users) (i32.shl (local.get $sl) (i32.const 2)))) (local.get $rowBytes)))
      (local.set $no (i32.add (local.get $negs) (i32.shl (i32.mul (local.get $sl) (local.get $k)) (i32.const 2))))
      (local.set $gr (i32.add (local.get $grads) (i32.shl (i32.mul (local.get $sl) (i32.add (local.get $k) (i32.const 1))) (i32.const 3))))
      ;; Candidate c: 0 the positive, c ≥ 1 negative c − 1.
      (local.set $c (i32.const 0))
      (block $scDone (loop $sc
        (br_if $scDone (i32.gt_u (local.get $c) (local.get $k)))
        (local.set $item (if (result i32) (i32.eqz (local.get $c))
          (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $sl) (i32.const 2)))))
          (else (i32.load (i32.add (local.get $no) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
        (f64.store (i32.add (local.get $scores) (i32.shl (local.get $c) (i32.const 3)))
          (if (result f64) (i32.lt_s (local.get $item) (i32.const 0))
            (then (f64.const 0))
            (else (f64.promote_f32 (call $dot (i32.add (local.get $F) (local.get $uo))
              (i32.add (local.get $F) (i32.mul (i32.add (local.get $nu) (local.get $item)) (local.get $rowBytes))) (local.get $rowBytes))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $sc)))
      (local.set $total (f64.add (local.get $total) (call $lossGrad (local.get $loss) (local.get $scores) (local.get $gr) (local.get $exps)
        (local.get $no) (i32.add (local.get $logQ) (i32.shl (i32.mul (local.get $sl) (local.get $k)) (i32.const 2)))
        (local.get $k) (local.get $invT) (local.get $correct) (local.get $beta))))
      ;; ∂s/∂f_u = f_i, ∂s/∂f_i = f_u.
      (local.set $c (i32.const 0))
      (block $gDone (loop $g
        (br_if $gDone (i32.gt_u (local.get $c) (local.get $k)))
        (local.set $item (if (result i32) (i32.eqz (local.get $c))
          (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $sl) (i32.const 2)))))
          (else (i32.load (i32.add (local.get $no) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
        (local.set $gc (f64.load (i32.add (local.get $gr) (i32.shl (local.get $c) (i32.const 3)))))
        (if (i32.and (i32.ge_s (local.get $item) (i32.const 0)) (f64.ne (local.get $gc) (f64.const 0))) (then
          (local.set $io (i32.mul (i32.add (local.get $nu) (local.get $item)) (local.get $rowBytes)))
          (call $axpy (i32.add (local.get $G) (local.get $uo)) (i32.add (local.get $F) (local.get $io)) (local.get $rowBytes) (f32.demote_f64 (local.get $gc)))
          (call $axpy (i32.add (local.get $G) (local.get $io)) (i32.add (local.get $F) (local.get $uo)) (local.get $rowBytes) (f32.demote_f64 (local.get $gc)))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $g)))
      (local.set $sl (i32.add (local.get $sl) (i32.const 1)))
      (br $slots)))
    (local.get $total))

  ;; Stores one finished f32x4 of row block `o` (byte offset from the block's row 0).
  (func $emit (param $o i32) (param $v v128) (param $dst i32) (param $add i32) (param $beta v128)
    (param $out i32) (param $alpha v128) (param $mode i32)
    (local $at i32)
    (if (i32.and (local.get $mode) (i32.const 1)) (then
      (local.set $v (f32x4.add (local.get $v)
        (f32x4.mul (local.get $beta) (v128.load (i32.add (local.get $add) (local.get $o))))))))
    (v128.store (i32.add (local.get $dst) (local.get $o)) (local.get $v))
    (if (i32.and (local.get $mode) (i32.const 2)) (then
      (local.set $at (i32.add (local.get $out) (local.get $o)))
      (v128.store (local.get $at) (f32x4.add (v128.load (local.get $at))
        (f32x4.mul (local.get $alpha) (local.get $v)))))))

  (func (export "spmm")
    (param $indptr i32) (param $cols i32) (param $w i32) (param $r0 i32) (param $r1 i32)
    (param $src i32) (param $dst i32) (param $dim i32)
    (param $add i32) (param $beta f32) (param $out i32) (param $alpha f32) (param $mode i32)
    (local $r i32) (local $rowBytes i32) (local $ro i32) (local $f i32) (local $p i32) (local $p0 i32) (local $p1 i32)
    (local $s i32) (local $wv v128) (local $vb v128) (local $va v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vb (f32x4.splat (local.get $beta)))
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $r (local.get $r0))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $r1)))
      (local.set $p0 (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $p1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $r) (i32.const 2)))))
      (local.set $ro (i32.mul (local.get $r) (local.get $rowBytes)))
      (local.set $f (i32.const 0))
      ;; Blocks of 32 floats: eight accumulators.
      (block $b32Done (loop $b32
        (br_if $b32Done (i32.gt_s (i32.add (local.get $f) (i32.const 128)) (local.get $rowBytes)))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $c3 (v128.const i32x4 0 0 0 0))
        (local.set $c4 (v128.const i32x4 0 0 0 0))
        (local.set $c5 (v128.const i32x4 0 0 0 0))
        (local.set $c6 (v128.const i32x4 0 0 0 0))
        (local.set $c7 (v128.const i32x4 0 0 0 0))
        (local.set $p (local.get $p0))
        (block $eDone (loop $e
          (br_if $eDone (i32.ge_s (local.get $p) (local.get $p1)))
          (local.set $wv (v128.load32_splat (i32.add (local.get $w) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $s (i32.add (i32.add (local.get $src) (local.get $f))
            (i32.mul (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (local.get $rowBytes))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $s)))))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $s)))))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $wv) (v128.load offset=32 (local.get $s)))))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $wv) (v128.load offset=48 (local.get $s)))))
          (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $wv) (v128.load offset=64 (local.get $s)))))
          (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $wv) (v128.load offset=80 (local.get $s)))))
          (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $wv) (v128.load offset=96 (local.get $s)))))
          (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $wv) (v128.load offset=112 (local.get $s)))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $e)))
        (local.set $s (i32.add (local.get $ro) (local.get $f)))
        (call $emit (local.get $s) (local.get $c0) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 16)) (local.get $c1) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 32)) (local.get $c2) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 48)) (local.get $c3) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 64)) (local.get $c4) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 80)) (local.get $c5) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 96)) (local.get $c6) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 112)) (local.get $c7) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (local.set $f (i32.add (local.get $f) (i32.const 128)))
        (br $b32)))
      ;; One block of 16 floats: four accumulators.
      (if (i32.le_s (i32.add (local.get $f) (i32.const 64)) (local.get $rowBytes)) (then
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $c3 (v128.const i32x4 0 0 0 0))
        (local.set $p (local.get $p0))
        (block $eDone (loop $e
          (br_if $eDone (i32.ge_s (local.get $p) (local.get $p1)))
          (local.set $wv (v128.load32_splat (i32.add (local.get $w) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $s (i32.add (i32.add (local.get $src) (local.get $f))
            (i32.mul (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (local.get $rowBytes))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $wv) (v128.load offset=0 (local.get $s)))))
          (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $s)))))
          (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $wv) (v128.load offset=32 (local.get $s)))))
          (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $wv) (v128.load offset=48 (local.get $s)))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $e)))
        (local.set $s (i32.add (local.get $ro) (local.get $f)))
        (call $emit (local.get $s) (local.get $c0) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 16)) (local.get $c1) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 32)) (local.get $c2) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (call $emit (i32.add (local.get $s) (i32.const 48)) (local.get $c3) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (local.set $f (i32.add (local.get $f) (i32.const 64)))))
      ;; Blocks of 4 floats: one accumulator.
      (block $b4Done (loop $b4
        (br_if $b4Done (i32.ge_s (local.get $f) (local.get $rowBytes)))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $p (local.get $p0))
        (block $eDone (loop $e
          (br_if $eDone (i32.ge_s (local.get $p) (local.get $p1)))
          (local.set $wv (v128.load32_splat (i32.add (local.get $w) (i32.shl (local.get $p) (i32.const 2)))))
          (local.set $s (i32.add (i32.add (local.get $src) (local.get $f))
            (i32.mul (i32.load (i32.add (local.get $cols) (i32.shl (local.get $p) (i32.const 2)))) (local.get $rowBytes))))
          (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $wv) (v128.load (local.get $s)))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $e)))
        (call $emit (i32.add (local.get $ro) (local.get $f)) (local.get $c0) (local.get $dst) (local.get $add) (local.get $vb) (local.get $out) (local.get $va) (local.get $mode))
        (local.set $f (i32.add (local.get $f) (i32.const 16)))
        (br $b4)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))

  ;; dst[0..n) = alpha · src[0..n) (n floats, a multiple of 4; dst may equal src).
  (func (export "scale") (param $src i32) (param $dst i32) (param $n i32) (param $alpha f32)
    (local $end i32) (local $va v128)
    (local.set $va (f32x4.splat (local.get $alpha)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.mul (local.get $va) (v128.load (local.get $src))))
      (local.set $src (i32.add (local.get $src) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (br $l))))
  ;; One optimiser lane group: returns the step lr·g (SGD) or lr·g/√(acc + g² + ε) (Adagrad,
  ;; accumulators at $acc updated).
  (func $stepOf (param $g v128) (param $acc i32) (param $lr v128) (param $adagrad i32) (result v128)
    (local $h v128)
    (if (result v128) (local.get $adagrad)
      (then
        (local.set $h (f32x4.add (v128.load (local.get $acc)) (f32x4.mul (local.get $g) (local.get $g))))
        (v128.store (local.get $acc) (local.get $h))
        (f32x4.div (f32x4.mul (local.get $lr) (local.get $g))
          (f32x4.sqrt (f32x4.add (local.get $h) (v128.const f32x4 1e-10 1e-10 1e-10 1e-10)))))
      (else (f32x4.mul (local.get $lr) (local.get $g)))))

  ;; E[0..n) −= step(g[0..n)) (n floats, a multiple of 4; Adagrad accumulators at $acc).
  (func (export "denseUpdate") (param $E i32) (param $acc i32) (param $g i32) (param $n i32) (param $lr f32) (param $adagrad i32)
    (local $o i32) (local $end i32) (local $vlr v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $E) (local.get $o)) (f32x4.sub (v128.load (i32.add (local.get $E) (local.get $o)))
        (call $stepOf (v128.load (i32.add (local.get $g) (local.get $o))) (i32.add (local.get $acc) (local.get $o)) (local.get $vlr) (local.get $adagrad))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  ;; The cached-layers step on the batch's rows list[0..nt) (int32 row ids; counts[row] its
  ;; occurrences, reset to 0 here): per element g = G, G = 0, D += g, x = w0·g + l2·count·E,
  ;; E −= step(x), F −= w0·step(x) (the final embeddings follow their fresh E⁰ term).
  (func (export "cachedRows") (param $list i32) (param $counts i32) (param $nt i32) (param $dim i32)
    (param $E i32) (param $acc i32) (param $G i32) (param $D i32) (param $F i32)
    (param $w0 f32) (param $l2 f32) (param $lr f32) (param $adagrad i32)
    (local $t i32) (local $row i32) (local $o i32) (local $end i32) (local $rowBytes i32) (local $cnt i32)
    (local $vw0 v128) (local $vlr v128) (local $vc v128) (local $g v128) (local $st v128)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vw0 (f32x4.splat (local.get $w0)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (block $rowsDone (loop $rows
      (br_if $rowsDone (i32.ge_u (local.get $t) (local.get $nt)))
      (local.set $row (i32.load (i32.add (local.get $list) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $cnt (i32.add (local.get $counts) (i32.shl (local.get $row) (i32.const 2))))
      (local.set $vc (f32x4.splat (f32.mul (local.get $l2) (f32.convert_i32_s (i32.load (local.get $cnt))))))
      (i32.store (local.get $cnt) (i32.const 0))
      (local.set $o (i32.mul (local.get $row) (local.get $rowBytes)))
      (local.set $end (i32.add (local.get $o) (local.get $rowBytes)))
      (block $fDone (loop $f
        (br_if $fDone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $g (v128.load (i32.add (local.get $G) (local.get $o))))
        (v128.store (i32.add (local.get $G) (local.get $o)) (v128.const i32x4 0 0 0 0))
        (v128.store (i32.add (local.get $D) (local.get $o)) (f32x4.add (v128.load (i32.add (local.get $D) (local.get $o))) (local.get $g)))
        (local.set $st (call $stepOf
          (f32x4.add (f32x4.mul (local.get $vw0) (local.get $g)) (f32x4.mul (local.get $vc) (v128.load (i32.add (local.get $E) (local.get $o)))))
          (i32.add (local.get $acc) (local.get $o)) (local.get $vlr) (local.get $adagrad)))
        (v128.store (i32.add (local.get $E) (local.get $o)) (f32x4.sub (v128.load (i32.add (local.get $E) (local.get $o))) (local.get $st)))
        (v128.store (i32.add (local.get $F) (local.get $o)) (f32x4.sub (v128.load (i32.add (local.get $F) (local.get $o)))
          (f32x4.mul (local.get $vw0) (local.get $st))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $f)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $rows))))

  ;; out[c] = f_{users[c]}·f_{nu + items[c]} on F for c < count (f32; −∞ for an item < 0).
  (func (export "scorePairs") (param $F i32) (param $dim i32) (param $nu i32) (param $users i32) (param $items i32)
    (param $count i32) (param $out i32)
    (local $c i32) (local $item i32) (local $rowBytes i32) (local $at i32)
    (local.set $rowBytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
      (local.set $at (i32.shl (local.get $c) (i32.const 2)))
      (local.set $item (i32.load (i32.add (local.get $items) (local.get $at))))
      (f32.store (i32.add (local.get $out) (local.get $at))
        (if (result f32) (i32.lt_s (local.get $item) (i32.const 0))
          (then (f32.const -inf))
          (else (call $dot
            (i32.add (local.get $F) (i32.mul (i32.load (i32.add (local.get $users) (local.get $at))) (local.get $rowBytes)))
            (i32.add (local.get $F) (i32.mul (i32.add (local.get $nu) (local.get $item)) (local.get $rowBytes)))
            (local.get $rowBytes)))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br $l))))
)
