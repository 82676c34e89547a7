;; Implicit ALS kernels in WebAssembly with 128-bit SIMD: the twins of gram and cgRows in
;; ../cg.ts. Factor rows, the Gram matrix and the CG vectors are float32 (f32x4 lanes; the
;; TypeScript reference accumulates in float64), as implicit's float32 CPU solver.
;;
;; The memory is imported so that the model's factors live in it (and, shared, in every worker
;; thread's instance); scripts/build-wasm.mjs assembles it twice, with "(memory 1)" and with
;; "(memory 1 65536 shared)" in place of $MEMORY. All pointers are byte offsets; rows are 16-byte
;; aligned and dim is a multiple of 4 ($bytes = dim·4).
(module
  (import "env" "memory" $MEMORY)

  ;; Σ a[f]·b[f] over $bytes, four f32x4 accumulators over 16 floats, then 4-float tail.
  (func $dot (param $a i32) (param $b i32) (param $bytes i32) (result f32)
    (local $f i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $pa i32) (local $pb i32)
    (block $done
      (loop $L
        (br_if $done (i32.gt_u (i32.add (local.get $f) (i32.const 64)) (local.get $bytes)))
        (local.set $pa (i32.add (local.get $a) (local.get $f)))
        (local.set $pb (i32.add (local.get $b) (local.get $f)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (local.get $pa)) (v128.load (local.get $pb)))))
        (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (local.get $pa)) (v128.load offset=16 (local.get $pb)))))
        (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (v128.load offset=32 (local.get $pa)) (v128.load offset=32 (local.get $pb)))))
        (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (v128.load offset=48 (local.get $pa)) (v128.load offset=48 (local.get $pb)))))
        (local.set $f (i32.add (local.get $f) (i32.const 64)))
        (br $L)))
    (block $tdone
      (loop $T
        (br_if $tdone (i32.ge_u (local.get $f) (local.get $bytes)))
        (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul
          (v128.load (i32.add (local.get $a) (local.get $f))) (v128.load (i32.add (local.get $b) (local.get $f))))))
        (local.set $f (i32.add (local.get $f) (i32.const 16)))
        (br $T)))
    (local.set $s0 (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3))))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
      (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0)))))

  ;; out[f] += t·y[f] over $bytes.
  (func $axpy (param $t f32) (param $y i32) (param $out i32) (param $bytes i32)
    (local $f i32) (local $tv v128) (local $po i32)
    (local.set $tv (f32x4.splat (local.get $t)))
    (loop $L
      (local.set $po (i32.add (local.get $out) (local.get $f)))
      (v128.store (local.get $po) (f32x4.add (v128.load (local.get $po))
        (f32x4.mul (local.get $tv) (v128.load (i32.add (local.get $y) (local.get $f))))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $L (i32.lt_u (local.get $f) (local.get $bytes)))))

  ;; out = G·v for the symmetric dim×dim G: out = Σ_b v[b]·G[b,:], 16 output floats at a time in
  ;; four register accumulators (then 4-float tail blocks), so G streams once per block.
  (func $symv (param $G i32) (param $v i32) (param $out i32) (param $dim i32)
    (local $bytes i32) (local $c i32) (local $b i32) (local $row i32) (local $s v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $done
      (loop $C
        (br_if $done (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $bytes)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $row (i32.add (local.get $G) (local.get $c)))
        (local.set $b (i32.const 0))
        (loop $B
          (local.set $s (v128.load32_splat (i32.add (local.get $v) (local.get $b))))
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (v128.load (local.get $row)))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $row)))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (v128.load offset=32 (local.get $row)))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (v128.load offset=48 (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $bytes)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))
          (br_if $B (i32.lt_u (local.get $b) (local.get $bytes))))
        (v128.store (i32.add (local.get $out) (local.get $c)) (local.get $a0))
        (v128.store offset=16 (i32.add (local.get $out) (local.get $c)) (local.get $a1))
        (v128.store offset=32 (i32.add (local.get $out) (local.get $c)) (local.get $a2))
        (v128.store offset=48 (i32.add (local.get $out) (local.get $c)) (local.get $a3))
        (local.set $c (i32.add (local.get $c) (i32.const 64)))
        (br $C)))
    (block $tdone
      (loop $T
        (br_if $tdone (i32.ge_u (local.get $c) (local.get $bytes)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $row (i32.add (local.get $G) (local.get $c)))
        (local.set $b (i32.const 0))
        (loop $B2
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
            (v128.load32_splat (i32.add (local.get $v) (local.get $b))) (v128.load (local.get $row)))))
          (local.set $row (i32.add (local.get $row) (local.get $bytes)))
          (local.set $b (i32.add (local.get $b) (i32.const 4)))
          (br_if $B2 (i32.lt_u (local.get $b) (local.get $bytes))))
        (v128.store (i32.add (local.get $out) (local.get $c)) (local.get $a0))
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $T))))

  ;; G = YᵀY + reg·I for rows [0, $rows) of Y. Rows are taken four at a time (G's row a gets
  ;; y0[a]·y0 + y1[a]·y1 + y2[a]·y2 + y3[a]·y3 per load/store), only the 4-aligned upper block
  ;; triangle is accumulated, then mirrored.
  (func (export "gram") (param $Y i32) (param $rows i32) (param $dim i32) (param $reg f32) (param $G i32)
    (local $bytes i32) (local $r i32) (local $y0 i32) (local $y1 i32) (local $y2 i32) (local $y3 i32)
    (local $a i32) (local $f i32) (local $ga i32) (local $pg i32)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $step i32) (local $b i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (memory.fill (local.get $G) (i32.const 0) (i32.mul (local.get $bytes) (local.get $dim)))
    (local.set $step (i32.shl (local.get $bytes) (i32.const 2)))
    (local.set $y0 (local.get $Y))
    (block $quads
      (loop $R
        (br_if $quads (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $y1 (i32.add (local.get $y0) (local.get $bytes)))
        (local.set $y2 (i32.add (local.get $y1) (local.get $bytes)))
        (local.set $y3 (i32.add (local.get $y2) (local.get $bytes)))
        (local.set $a (i32.const 0))
        (loop $A
          (local.set $s0 (v128.load32_splat (i32.add (local.get $y0) (local.get $a))))
          (local.set $s1 (v128.load32_splat (i32.add (local.get $y1) (local.get $a))))
          (local.set $s2 (v128.load32_splat (i32.add (local.get $y2) (local.get $a))))
          (local.set $s3 (v128.load32_splat (i32.add (local.get $y3) (local.get $a))))
          ;; row a of G (a counts bytes, so a·dim is the row's offset), columns from a rounded down to 4
          (local.set $ga (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $dim))))
          (local.set $f (i32.and (local.get $a) (i32.const -16)))
          (loop $F
            (local.set $pg (i32.add (local.get $ga) (local.get $f)))
            (v128.store (local.get $pg) (f32x4.add (v128.load (local.get $pg))
              (f32x4.add
                (f32x4.add
                  (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $y0) (local.get $f))))
                  (f32x4.mul (local.get $s1) (v128.load (i32.add (local.get $y1) (local.get $f)))))
                (f32x4.add
                  (f32x4.mul (local.get $s2) (v128.load (i32.add (local.get $y2) (local.get $f))))
                  (f32x4.mul (local.get $s3) (v128.load (i32.add (local.get $y3) (local.get $f))))))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br_if $F (i32.lt_u (local.get $f) (local.get $bytes))))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (br_if $A (i32.lt_u (local.get $a) (local.get $bytes))))
        (local.set $y0 (i32.add (local.get $y0) (local.get $step)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $R)))
    (block $singles
      (loop $R1
        (br_if $singles (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a (i32.const 0))
        (loop $A1
          (local.set $s0 (v128.load32_splat (i32.add (local.get $y0) (local.get $a))))
          (local.set $ga (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $dim))))
          (local.set $f (i32.and (local.get $a) (i32.const -16)))
          (loop $F1
            (local.set $pg (i32.add (local.get $ga) (local.get $f)))
            (v128.store (local.get $pg) (f32x4.add (v128.load (local.get $pg))
              (f32x4.mul (local.get $s0) (v128.load (i32.add (local.get $y0) (local.get $f))))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br_if $F1 (i32.lt_u (local.get $f) (local.get $bytes))))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (br_if $A1 (i32.lt_u (local.get $a) (local.get $bytes))))
        (local.set $y0 (i32.add (local.get $y0) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $R1)))
    ;; Mirror the upper triangle (column b > row a) into the lower one; add reg on the diagonal.
    (local.set $a (i32.const 0))
    (loop $M
      (local.set $ga (i32.add (local.get $G) (i32.mul (local.get $a) (local.get $bytes))))
      (local.set $pg (i32.add (local.get $ga) (i32.shl (local.get $a) (i32.const 2))))
      (f32.store (local.get $pg) (f32.add (f32.load (local.get $pg)) (local.get $reg)))
      (local.set $b (i32.add (local.get $a) (i32.const 1)))
      (block $mdone
        (loop $MB
          (br_if $mdone (i32.ge_u (local.get $b) (local.get $dim)))
          (f32.store (i32.add (local.get $G) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $dim)) (local.get $a)) (i32.const 2)))
            (f32.load (i32.add (local.get $ga) (i32.shl (local.get $b) (i32.const 2)))))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $MB)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br_if $M (i32.lt_u (local.get $a) (local.get $dim)))))

  ;; cgRows of ../cg.ts for rows [$start, $end): $steps CG steps per row from its current value.
  ;; $indptr, $indices are int32, $conf float32; $r, $p, $ap are dim-float scratch vectors.
  (func (export "cgRows") (param $G i32) (param $X i32) (param $Y i32) (param $dim i32)
        (param $indptr i32) (param $indices i32) (param $conf i32) (param $start i32) (param $end i32) (param $steps i32)
        (param $r i32) (param $p i32) (param $ap i32)
    (local $bytes i32) (local $u i32) (local $x i32) (local $q i32) (local $q1 i32) (local $y i32)
    (local $c f32) (local $rs f32) (local $rsNew f32) (local $alpha f32) (local $beta f32) (local $it i32) (local $f i32)
    (local $av v128) (local $bv v128) (local $rv v128) (local $acc v128) (local $pf i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $u (local.get $start))
    (block $rowsDone
      (loop $U
        (br_if $rowsDone (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $x (i32.add (local.get $X) (i32.mul (local.get $u) (local.get $bytes))))
        (local.set $q (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $q1 (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))))
        (block $next
          (if (i32.eq (local.get $q) (local.get $q1))
            (then
              (memory.fill (local.get $x) (i32.const 0) (local.get $bytes))
              (br $next)))
          ;; r = −G x + Σ_i (c_i − (c_i − 1)·y_i·x) y_i
          (call $symv (local.get $G) (local.get $x) (local.get $r) (local.get $dim))
          (local.set $f (i32.const 0))
          (loop $N
            (local.set $pf (i32.add (local.get $r) (local.get $f)))
            (v128.store (local.get $pf) (f32x4.neg (v128.load (local.get $pf))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br_if $N (i32.lt_u (local.get $f) (local.get $bytes))))
          (local.set $pf (local.get $q))
          (block $sdone
            (loop $S
              (br_if $sdone (i32.ge_u (local.get $pf) (local.get $q1)))
              (local.set $y (i32.add (local.get $Y)
                (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $pf) (i32.const 2)))) (local.get $bytes))))
              (local.set $c (f32.load (i32.add (local.get $conf) (i32.shl (local.get $pf) (i32.const 2)))))
              (call $axpy
                (f32.sub (local.get $c) (f32.mul (f32.sub (local.get $c) (f32.const 1)) (call $dot (local.get $y) (local.get $x) (local.get $bytes))))
                (local.get $y) (local.get $r) (local.get $bytes))
              (local.set $pf (i32.add (local.get $pf) (i32.const 1)))
              (br $S)))
          ;; p = r, rs = r·r
          (memory.copy (local.get $p) (local.get $r) (local.get $bytes))
          (local.set $rs (call $dot (local.get $r) (local.get $r) (local.get $bytes)))
          (br_if $next (f32.lt (local.get $rs) (f32.const 1e-20)))
          (local.set $it (i32.const 0))
          (block $cgDone
            (loop $IT
              (br_if $cgDone (i32.ge_u (local.get $it) (local.get $steps)))
              ;; ap = G p + Σ_i (c_i − 1)(y_i·p) y_i
              (call $symv (local.get $G) (local.get $p) (local.get $ap) (local.get $dim))
              (local.set $pf (local.get $q))
              (block $adone
                (loop $A
                  (br_if $adone (i32.ge_u (local.get $pf) (local.get $q1)))
                  (local.set $y (i32.add (local.get $Y)
                    (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $pf) (i32.const 2)))) (local.get $bytes))))
                  (call $axpy
                    (f32.mul
                      (f32.sub (f32.load (i32.add (local.get $conf) (i32.shl (local.get $pf) (i32.const 2)))) (f32.const 1))
                      (call $dot (local.get $y) (local.get $p) (local.get $bytes)))
                    (local.get $y) (local.get $ap) (local.get $bytes))
                  (local.set $pf (i32.add (local.get $pf) (i32.const 1)))
                  (br $A)))
              (local.set $alpha (f32.div (local.get $rs) (call $dot (local.get $p) (local.get $ap) (local.get $bytes))))
              ;; x += α p, r −= α ap, rsNew = r·r
              (local.set $av (f32x4.splat (local.get $alpha)))
              (local.set $acc (v128.const i32x4 0 0 0 0))
              (local.set $f (i32.const 0))
              (loop $X1
                (local.set $pf (i32.add (local.get $x) (local.get $f)))
                (v128.store (local.get $pf) (f32x4.add (v128.load (local.get $pf))
                  (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $f))))))
                (local.set $pf (i32.add (local.get $r) (local.get $f)))
                (local.set $rv (f32x4.sub (v128.load (local.get $pf))
                  (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $ap) (local.get $f))))))
                (v128.store (local.get $pf) (local.get $rv))
                (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $rv) (local.get $rv))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br_if $X1 (i32.lt_u (local.get $f) (local.get $bytes))))
              (local.set $rsNew (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
                (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
              (br_if $cgDone (f32.lt (local.get $rsNew) (f32.const 1e-20)))
              ;; p = r + (rsNew / rs) p
              (local.set $bv (f32x4.splat (f32.div (local.get $rsNew) (local.get $rs))))
              (local.set $f (i32.const 0))
              (loop $P1
                (local.set $pf (i32.add (local.get $p) (local.get $f)))
                (v128.store (local.get $pf) (f32x4.add (v128.load (i32.add (local.get $r) (local.get $f)))
                  (f32x4.mul (local.get $bv) (v128.load (local.get $pf)))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br_if $P1 (i32.lt_u (local.get $f) (local.get $bytes))))
              (local.set $rs (local.get $rsNew))
              (local.set $it (i32.add (local.get $it) (i32.const 1)))
              (br $IT))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $U))))
)
