;; The shared prelude of Decoy's WebAssembly step kernels: scripts/build-wasm.mjs splices a section
;; into a kernel where it reads ";; @include <section>", so MF's (mf/wasm/dot.wat) and the
;; FM's (fm/wasm/fm.wat) kernels share one copy of their numerics: exp, log, softplus, sigmoid and
;; the dot product ("math"), the scalar bias step and lossGrad, the loss rules of
;; ../losses/grad.ts ("loss"). Not a module on its own. The functions' text, and so the assembled
;; binaries, are those the kernels held before the prelude existed.

;; @section math
  ;; e^x for x <= 709: x = n·ln2 + r (Cody–Waite split of ln2), |r| <= ln2/2, degree-13 Taylor
  ;; polynomial for e^r (relative error < 1e-16 before rounding), 2^n built in the exponent bits
  ;; (in two factors when the result is subnormal); 0 below −745.2, where e^x rounds to 0.
  (func $exp (param $x f64) (result f64)
    (local $n f64) (local $r f64) (local $p f64) (local $ni i64)
    (if (f64.lt (local.get $x) (f64.const -745.2)) (then (return (f64.const 0))))
    (local.set $n (f64.nearest (f64.mul (local.get $x) (f64.const 1.4426950408889634))))
    (local.set $r (f64.sub
      (f64.sub (local.get $x) (f64.mul (local.get $n) (f64.const 6.93147180369123816490e-01)))
      (f64.mul (local.get $n) (f64.const 1.90821492927058770002e-10))))
    (local.set $p
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
      (f64.mul (local.get $r) (f64.add (f64.const 2.505210838544172e-8)
      (f64.mul (local.get $r) (f64.add (f64.const 2.08767569878681e-9)
      (f64.mul (local.get $r) (f64.const 1.6059043836821613e-10))))))))))))))))))))))))))))
    (local.set $ni (i64.trunc_f64_s (local.get $n)))
    (if (i64.lt_s (local.get $ni) (i64.const -1020))
      (then (return (f64.mul
        (f64.mul (local.get $p) (f64.reinterpret_i64 (i64.shl (i64.add (local.get $ni) (i64.const 2023)) (i64.const 52))))
        (f64.const 9.332636185032189e-302)))))
    (f64.mul (local.get $p) (f64.reinterpret_i64 (i64.shl (i64.add (local.get $ni) (i64.const 1023)) (i64.const 52)))))

  ;; ln x for a normal x > 0: x = 2^e·m with m in [√½, √2), ln m = 2·atanh(s) with
  ;; s = (m − 1)/(m + 1), |s| <= 0.172, series to s^21 (truncation < 1e-17).
  (func $log (param $x f64) (result f64)
    (local $bits i64) (local $e f64) (local $m f64) (local $s f64) (local $z f64)
    (local.set $bits (i64.reinterpret_f64 (local.get $x)))
    (local.set $e (f64.convert_i64_s (i64.sub (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 1023))))
    (local.set $m (f64.reinterpret_i64 (i64.or
      (i64.and (local.get $bits) (i64.const 0x000FFFFFFFFFFFFF)) (i64.const 0x3FF0000000000000))))
    (if (f64.gt (local.get $m) (f64.const 1.4142135623730951))
      (then
        (local.set $m (f64.mul (local.get $m) (f64.const 0.5)))
        (local.set $e (f64.add (local.get $e) (f64.const 1)))))
    (local.set $s (f64.div (f64.sub (local.get $m) (f64.const 1)) (f64.add (local.get $m) (f64.const 1))))
    (local.set $z (f64.mul (local.get $s) (local.get $s)))
    (f64.add
      (f64.mul (local.get $e) (f64.const 6.93147180369123816490e-01))
      (f64.add
        (f64.mul (local.get $e) (f64.const 1.90821492927058770002e-10))
        (f64.mul (f64.mul (f64.const 2) (local.get $s))
          (f64.add (f64.const 1)
          (f64.mul (local.get $z) (f64.add (f64.const 0.3333333333333333)
          (f64.mul (local.get $z) (f64.add (f64.const 0.2)
          (f64.mul (local.get $z) (f64.add (f64.const 0.14285714285714285)
          (f64.mul (local.get $z) (f64.add (f64.const 0.1111111111111111)
          (f64.mul (local.get $z) (f64.add (f64.const 0.09090909090909091)
          (f64.mul (local.get $z) (f64.add (f64.const 0.07692307692307693)
          (f64.mul (local.get $z) (f64.add (f64.const 0.06666666666666667)
          (f64.mul (local.get $z) (f64.add (f64.const 0.058823529411764705)
          (f64.mul (local.get $z) (f64.add (f64.const 0.05263157894736842)
          (f64.mul (local.get $z) (f64.const 0.047619047619047616)))))))))))))))))))))))))

  ;; ln(1 + y) for y >= 0, accurate for tiny y: ln(u)·y/(u − 1) with u = 1 + y rounded.
  (func $log1p (param $y f64) (result f64)
    (local $u f64)
    (local.set $u (f64.add (f64.const 1) (local.get $y)))
    (if (result f64) (f64.eq (local.get $u) (f64.const 1))
      (then (local.get $y))
      (else (f64.mul (call $log (local.get $u)) (f64.div (local.get $y) (f64.sub (local.get $u) (f64.const 1)))))))

  ;; log(1 + e^x), as softplus in ../../losses/grad.ts.
  (func $softplus (export "softplus") (param $x f64) (result f64)
    (if (result f64) (f64.gt (local.get $x) (f64.const 0))
      (then (f64.add (local.get $x) (call $log1p (call $exp (f64.neg (local.get $x))))))
      (else (call $log1p (call $exp (local.get $x))))))

  ;; 1 / (1 + e^−x), as sigmoid in ../../losses/grad.ts.
  (func $sigmoid (export "sigmoid") (param $x f64) (result f64)
    (local $e f64)
    (if (result f64) (f64.ge (local.get $x) (f64.const 0))
      (then (f64.div (f64.const 1) (f64.add (f64.const 1) (call $exp (f64.neg (local.get $x))))))
      (else
        (local.set $e (call $exp (local.get $x)))
        (f64.div (local.get $e) (f64.add (f64.const 1) (local.get $e))))))

  ;; Dot product of two rows, two f32x4 accumulators.
  (func $dot (param $a i32) (param $b i32) (param $bytes i32) (result f32)
    (local $f i32) (local $s0 v128) (local $s1 v128)
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

;; @section loss
  ;; One bias: gradient g, Adagrad accumulators at $acc (< 0: SGD), in float64 as scalarUpdate.
  (func $biasStep (param $b i32) (param $acc i32) (param $g f64) (param $lr f64)
    (local $h f64)
    (if (i32.ge_s (local.get $acc) (i32.const 0))
      (then
        (local.set $h (f64.add (f64.promote_f32 (f32.load (local.get $acc))) (f64.mul (local.get $g) (local.get $g))))
        (f32.store (local.get $acc) (f32.demote_f64 (local.get $h)))
        (f32.store (local.get $b) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $b)))
          (f64.div (f64.mul (local.get $lr) (local.get $g)) (f64.sqrt (f64.add (local.get $h) (f64.const 1e-10))))))))
      (else
        (f32.store (local.get $b) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $b))) (f64.mul (local.get $lr) (local.get $g))))))))

  ;; dL/ds of one slot into grads[0..k] (float64) from scores[0..k]; negatives at $neg (int32, −1
  ;; masked), their logQ at $lq. Loss codes as LOSS_* (0 bpr, 1 logistic, 2 softmax, 4 gbce; gbce
  ;; is logistic with β). Returns the slot's loss.
  (func $lossGrad (param $code i32) (param $sc i32) (param $gr i32) (param $ex i32) (param $neg i32) (param $lq i32)
        (param $k i32) (param $invT f64) (param $correct f64) (param $beta f64) (result f64)
    (local $j i32) (local $sp f64) (local $d f64) (local $c f64) (local $gp f64) (local $loss f64)
    (local $max f64) (local $z f64) (local $sum f64) (local $inv f64) (local $o i32)
    (local.set $sp (f64.load (local.get $sc)))
    ;; bpr
    (if (i32.eqz (local.get $code))
      (then
        (block $done
          (loop $J
            (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $o (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))
            (if (i32.lt_s (i32.load (i32.add (local.get $neg) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 0))
              (then (f64.store (i32.add (local.get $gr) (local.get $o)) (f64.const 0)))
              (else
                (local.set $d (f64.sub (local.get $sp) (f64.load (i32.add (local.get $sc) (local.get $o)))))
                (local.set $loss (f64.add (local.get $loss) (call $softplus (f64.neg (local.get $d)))))
                (local.set $c (call $sigmoid (f64.neg (local.get $d))))
                (local.set $gp (f64.sub (local.get $gp) (local.get $c)))
                (f64.store (i32.add (local.get $gr) (local.get $o)) (local.get $c))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $J)))
        (f64.store (local.get $gr) (local.get $gp))
        (return (local.get $loss))))
    ;; softmax
    (if (i32.eq (local.get $code) (i32.const 2))
      (then
        (local.set $sp (f64.mul (local.get $sp) (local.get $invT)))
        (local.set $max (local.get $sp))
        (block $done
          (loop $J
            (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
            (if (i32.ge_s (i32.load (i32.add (local.get $neg) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 0))
              (then
                (local.set $o (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))
                (local.set $z (f64.sub
                  (f64.mul (f64.load (i32.add (local.get $sc) (local.get $o))) (local.get $invT))
                  (f64.mul (local.get $correct) (f64.promote_f32 (f32.load (i32.add (local.get $lq) (i32.shl (local.get $j) (i32.const 2))))))))
                (f64.store (i32.add (local.get $ex) (local.get $o)) (local.get $z))
                (if (f64.gt (local.get $z) (local.get $max)) (then (local.set $max (local.get $z))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $J)))
        (local.set $sum (call $exp (f64.sub (local.get $sp) (local.get $max))))
        (f64.store (local.get $ex) (local.get $sum))
        (local.set $j (i32.const 0))
        (block $done
          (loop $J
            (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $o (i32.add (local.get $ex) (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3))))
            (if (i32.lt_s (i32.load (i32.add (local.get $neg) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 0))
              (then (f64.store (local.get $o) (f64.const 0)))
              (else
                (local.set $z (call $exp (f64.sub (f64.load (local.get $o)) (local.get $max))))
                (f64.store (local.get $o) (local.get $z))
                (local.set $sum (f64.add (local.get $sum) (local.get $z)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $J)))
        (local.set $inv (f64.div (f64.const 1) (local.get $sum)))
        (f64.store (local.get $gr) (f64.mul (f64.sub (f64.mul (f64.load (local.get $ex)) (local.get $inv)) (f64.const 1)) (local.get $invT)))
        (local.set $j (i32.const 0))
        (block $done
          (loop $J
            (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
            (local.set $o (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))
            (f64.store (i32.add (local.get $gr) (local.get $o))
              (f64.mul (f64.mul (f64.load (i32.add (local.get $ex) (local.get $o))) (local.get $inv)) (local.get $invT)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $J)))
        (return (f64.sub (f64.add (local.get $max) (call $log (local.get $sum))) (local.get $sp)))))
    ;; logistic (β = 1) and gbce
    (local.set $loss (f64.mul (local.get $beta) (call $softplus (f64.neg (local.get $sp)))))
    (f64.store (local.get $gr) (f64.mul (local.get $beta) (f64.sub (call $sigmoid (local.get $sp)) (f64.const 1))))
    (block $done
      (loop $J
        (br_if $done (i32.ge_u (local.get $j) (local.get $k)))
        (local.set $o (i32.shl (i32.add (local.get $j) (i32.const 1)) (i32.const 3)))
        (if (i32.lt_s (i32.load (i32.add (local.get $neg) (i32.shl (local.get $j) (i32.const 2)))) (i32.const 0))
          (then (f64.store (i32.add (local.get $gr) (local.get $o)) (f64.const 0)))
          (else
            (local.set $z (f64.load (i32.add (local.get $sc) (local.get $o))))
            (local.set $loss (f64.add (local.get $loss) (call $softplus (local.get $z))))
            (f64.store (i32.add (local.get $gr) (local.get $o)) (call $sigmoid (local.get $z)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $J)))
    (local.get $loss))
