;; item2vec's skip-gram step kernels in WebAssembly with 128-bit SIMD: the same rules as
;; sgnsStep / hsStep in ../kernels.ts, in float32 (as word2vec.c and gensim) instead of the
;; TypeScript kernels' float64 accumulators. About 5x the TypeScript kernel at dim 64 (see
;; bench/item2vec.ts): V8 compiles the TypeScript loops to scalar code with a bounds check per
;; access, while f32x4 does four lanes per instruction.
;;
;; The memory is imported so that the model's parameters live in it (and, shared, in every
;; worker thread's instance); scripts/build-wasm.mjs assembles it twice, with "(memory 1)" and with
;; "(memory 1 65536 shared)" in place of $MEMORY.
;; All pointers are byte offsets; dim must be a multiple of 4.
(module
  (import "env" "memory" $MEMORY)

  ;; exp(x) for |x| <= 30: x = n·ln2 + r, |r| <= ln2/2, degree-11 Taylor polynomial for e^r
  ;; (relative error < 1e-13), 2^n built in the exponent bits.
  (func $exp (param $x f64) (result f64)
    (local $n f64) (local $r f64)
    (local.set $n (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub (local.get $x) (f64.mul (local.get $n) (f64.const 0.6931471805599453))))
    (f64.mul
      (f64.add (f64.const 1)
      (f64.mul (local.get $r) (f64.add (f64.const 1)
      (f64.mul (local.get $r) (f64.add (f64.const 0.5)
      (f64.mul (local.get $r) (f64.add (f64.const 0.16666666666666666)
      (f64.mul (local.get $r) (f64.add (f64.const 0.041666666666666664)
      (f64.mul (local.get $r) (f64.add (f64.const 0.008333333333333333)
      (f64.mul (local.get $r) (f64.add (f64.const 0.001388888888888889)
      (f64.mul (local.get $r) (f64.add (f64.const 1.984126984126984e-4)
      (f64.mul (local.get $r) (f64.add (f64.const 2.48015873015873e-5)
      (f64.mul (local.get $r) (f64.add (f64.const 2.755731922398589e-6)
      (f64.mul (local.get $r) (f64.add (f64.const 2.755731922398589e-7)
      (f64.mul (local.get $r) (f64.const 2.505210838544172e-8)))))))))))))))))))))))
      (f64.reinterpret_i64 (i64.shl (i64.add (i64.trunc_f64_s (local.get $n)) (i64.const 1023)) (i64.const 52)))))

  ;; Logistic function with the logit clamped to ±30 (MAX_LOGIT of ../kernels.ts).
  (func $sigmoid (export "sigmoid") (param $x f64) (result f64)
    (if (f64.gt (local.get $x) (f64.const 30)) (then (local.set $x (f64.const 30))))
    (if (f64.lt (local.get $x) (f64.const -30)) (then (local.set $x (f64.const -30))))
    (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (f64.neg (local.get $x))))))

  ;; neu += g·w; w += g·v for the output row w at l2 and the input row v at l1.
  (func $update (param $l1 i32) (param $l2 i32) (param $neu i32) (param $bytes i32) (param $g f32)
    (local $f i32) (local $gv v128) (local $w v128)
    (local.set $gv (f32x4.splat (local.get $g)))
    (local.set $f (i32.const 0))
    (loop $L
      (local.set $w (v128.load (i32.add (local.get $l2) (local.get $f))))
      (v128.store (i32.add (local.get $neu) (local.get $f))
        (f32x4.add (v128.load (i32.add (local.get $neu) (local.get $f))) (f32x4.mul (local.get $gv) (local.get $w))))
      (v128.store (i32.add (local.get $l2) (local.get $f))
        (f32x4.add (local.get $w) (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $l1) (local.get $f))))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $L (i32.lt_u (local.get $f) (local.get $bytes)))))

  ;; Dot product of two rows, two f32x4 accumulators (dim a multiple of 4).
  (func $dot (param $a i32) (param $b i32) (param $bytes i32) (result f32)
    (local $f i32) (local $s0 v128) (local $s1 v128)
    (local.set $f (i32.const 0))
    (block $done
      (loop $L
        (br_if $done (i32.gt_u (i32.add (local.get $f) (i32.const 32)) (local.get $bytes)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $f))) (v128.load (i32.add (local.get $b) (local.get $f))))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $f))) (v128.load offset=16 (i32.add (local.get $b) (local.get $f))))))
        (local.set $f (i32.add (local.get $f) (i32.const 32)))
        (br $L)))
    (if (i32.lt_u (local.get $f) (local.get $bytes))
      (then (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $f))) (v128.load (i32.add (local.get $b) (local.get $f))))))))
    (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

  ;; Address of row i of the matrix at base, or of its thread-private copy: with map >= 0, map is
  ;; an int32 array giving each row's private slot (-1: none) and slot h lives at priv + h·bytes.
  ;; Worker threads keep private copies of the hottest rows so that two cores do not keep writing
  ;; the same cache lines (see `merge`).
  (func $row (param $base i32) (param $i i32) (param $bytes i32) (param $map i32) (param $priv i32) (result i32)
    (local $h i32)
    (if (i32.ge_s (local.get $map) (i32.const 0))
      (then
        (local.set $h (i32.load (i32.add (local.get $map) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.ge_s (local.get $h) (i32.const 0))
          (then (return (i32.add (local.get $priv) (i32.mul (local.get $h) (local.get $bytes))))))))
    (i32.add (local.get $base) (i32.mul (local.get $i) (local.get $bytes))))

  ;; Publishes a thread's private rows: for h < n, the shared row ids[h] of the matrix at shared
  ;; gains this thread's change since the last merge (priv − base), and priv and base both become
  ;; the merged row, so the thread also picks up the other threads' changes. With priv = base it
  ;; just copies the shared rows in.
  (func (export "merge") (param $shared i32) (param $priv i32) (param $base i32) (param $ids i32) (param $n i32) (param $bytes i32)
    (local $h i32) (local $s i32) (local $f i32) (local $v v128)
    (block $done
      (loop $H
        (br_if $done (i32.ge_u (local.get $h) (local.get $n)))
        (local.set $s (i32.add (local.get $shared)
          (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $h) (i32.const 2)))) (local.get $bytes))))
        (local.set $f (i32.const 0))
        (loop $F
          (local.set $v (f32x4.add (v128.load (i32.add (local.get $s) (local.get $f)))
            (f32x4.sub (v128.load (i32.add (local.get $priv) (local.get $f))) (v128.load (i32.add (local.get $base) (local.get $f))))))
          (v128.store (i32.add (local.get $s) (local.get $f)) (local.get $v))
          (v128.store (i32.add (local.get $priv) (local.get $f)) (local.get $v))
          (v128.store (i32.add (local.get $base) (local.get $f)) (local.get $v))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $F (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $priv (i32.add (local.get $priv) (local.get $bytes)))
        (local.set $base (i32.add (local.get $base) (local.get $bytes)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $H))))

  ;; For each slot s < size: centre cen[s], context pos[s], negatives neg[s·k .. s·k+k) (−1, the
  ;; context or the centre are skipped). All pointers are byte offsets; dim is a multiple of 4.
  ;; Rows go through $row (map0/priv0 for syn0, map1/priv1 for syn1; map −1: no private rows).
  ;; Returns the number of negatives used.
  (func (export "sgnsBatch") (param $syn0 i32) (param $syn1 i32) (param $dim i32) (param $cen i32) (param $pos i32) (param $neg i32)
        (param $size i32) (param $k i32) (param $lr f64) (param $neu i32)
        (param $map0 i32) (param $priv0 i32) (param $map1 i32) (param $priv1 i32) (result i32)
    (local $s i32) (local $d i32) (local $c i32) (local $o i32) (local $t i32) (local $bytes i32) (local $l1 i32) (local $f i32)
    (local $label f64) (local $used i32) (local $np i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (local.set $c (i32.load (i32.add (local.get $cen) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $o (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $l1 (call $row (local.get $syn0) (local.get $c) (local.get $bytes) (local.get $map0) (local.get $priv0)))
        (local.set $f (i32.const 0))
        (loop $Z
          (v128.store (i32.add (local.get $neu) (local.get $f)) (v128.const i32x4 0 0 0 0))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $Z (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $np (i32.add (local.get $neg) (i32.shl (i32.mul (local.get $s) (local.get $k)) (i32.const 2))))
        (local.set $d (i32.const 0))
        (loop $D
          (block $skip
            (if (i32.eqz (local.get $d))
              (then (local.set $t (local.get $o)) (local.set $label (f64.const 1)))
              (else
                (local.set $t (i32.load (i32.add (local.get $np) (i32.shl (i32.sub (local.get $d) (i32.const 1)) (i32.const 2)))))
                (br_if $skip (i32.lt_s (local.get $t) (i32.const 0)))
                (br_if $skip (i32.eq (local.get $t) (local.get $o)))
                (br_if $skip (i32.eq (local.get $t) (local.get $c)))
                (local.set $label (f64.const 0))
                (local.set $used (i32.add (local.get $used) (i32.const 1)))))
            (local.set $t (call $row (local.get $syn1) (local.get $t) (local.get $bytes) (local.get $map1) (local.get $priv1)))
            (call $update (local.get $l1) (local.get $t) (local.get $neu) (local.get $bytes)
              (f32.demote_f64 (f64.mul (local.get $lr)
                (f64.sub (local.get $label) (call $sigmoid (f64.promote_f32 (call $dot (local.get $l1) (local.get $t) (local.get $bytes)))))))))
          (local.set $d (i32.add (local.get $d) (i32.const 1)))
          (br_if $D (i32.le_u (local.get $d) (local.get $k))))
        (local.set $f (i32.const 0))
        (loop $A
          (v128.store (i32.add (local.get $l1) (local.get $f))
            (f32x4.add (v128.load (i32.add (local.get $l1) (local.get $f))) (v128.load (i32.add (local.get $neu) (local.get $f)))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $A (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S)))
    (local.get $used))

  ;; For each slot s < size: centre cen[s] predicts the Huffman path of context pos[s]: inner
  ;; nodes points[j] with bits codes[j] for j in [offsets[o], offsets[o+1]) (int32 arrays; bit 1
  ;; trains towards sigma = 0, as word2vec.c). Returns the number of inner nodes trained.
  (func (export "hsBatch") (param $syn0 i32) (param $syn1 i32) (param $dim i32) (param $cen i32) (param $pos i32)
        (param $codes i32) (param $points i32) (param $offsets i32) (param $size i32) (param $lr f64) (param $neu i32)
        (param $map0 i32) (param $priv0 i32) (param $map1 i32) (param $priv1 i32) (result i32)
    (local $s i32) (local $j i32) (local $e i32) (local $o i32) (local $t i32) (local $bytes i32) (local $l1 i32) (local $f i32)
    (local $nodes i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (local.set $l1 (call $row (local.get $syn0) (i32.load (i32.add (local.get $cen) (i32.shl (local.get $s) (i32.const 2))))
          (local.get $bytes) (local.get $map0) (local.get $priv0)))
        (local.set $o (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $j (i32.load (i32.add (local.get $offsets) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $e (i32.load offset=4 (i32.add (local.get $offsets) (i32.shl (local.get $o) (i32.const 2)))))
        (local.set $nodes (i32.add (local.get $nodes) (i32.sub (local.get $e) (local.get $j))))
        (local.set $f (i32.const 0))
        (loop $Z
          (v128.store (i32.add (local.get $neu) (local.get $f)) (v128.const i32x4 0 0 0 0))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $Z (i32.lt_u (local.get $f) (local.get $bytes))))
        (block $pdone
          (loop $P
            (br_if $pdone (i32.ge_s (local.get $j) (local.get $e)))
            (local.set $t (call $row (local.get $syn1) (i32.load (i32.add (local.get $points) (i32.shl (local.get $j) (i32.const 2))))
              (local.get $bytes) (local.get $map1) (local.get $priv1)))
            (call $update (local.get $l1) (local.get $t) (local.get $neu) (local.get $bytes)
              (f32.demote_f64 (f64.mul (local.get $lr)
                (f64.sub
                  (f64.sub (f64.const 1) (f64.convert_i32_s (i32.load (i32.add (local.get $codes) (i32.shl (local.get $j) (i32.const 2))))))
                  (call $sigmoid (f64.promote_f32 (call $dot (local.get $l1) (local.get $t) (local.get $bytes))))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $P)))
        (local.set $f (i32.const 0))
        (loop $A
          (v128.store (i32.add (local.get $l1) (local.get $f))
            (f32x4.add (v128.load (i32.add (local.get $l1) (local.get $f))) (v128.load (i32.add (local.get $neu) (local.get $f)))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $A (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S)))
    (local.get $nodes))
)
