;; The dot-product step kernel (MF) in WebAssembly with 128-bit SIMD: the same rules as
;; dotStepRange / bprSgdRange in ../dot-step.ts for the losses bpr, logistic, gbce and softmax with
;; SGD or Adagrad (unnormalised scores, optional item biases), one whole slot range per call.
;; Factor rows are read and updated in float32 lanes (f32x4; the TypeScript kernel widens every
;; product to float64), while scores, losses, dL/ds and the bias updates stay in float64 as there.
;; Slots run in order and candidates within a slot in order, so slot s+1 sees slot s's updates and
;; a candidate repeated within a slot sees its first update, exactly as the TypeScript kernel.
;;
;; The memory is imported so that the model's parameters live in it (and, shared, in every worker
;; thread's instance); scripts/build-wasm.mjs assembles it twice, with "(memory 1)" and with
;; "(memory 1 65536 shared)" in place of $MEMORY. All pointers are byte offsets; rows are 16-byte
;; aligned and dim is a multiple of 4.
(module
  (import "env" "memory" $MEMORY)

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

  ;; Scores of the pairs (users[c], items[c]), c in [0, count): P[u]·Q[i] (+ bias[i] when $bias >= 0)
  ;; as float32 into out[c], with the training kernel's $dot; an item < 0 scores −∞. The batched
  ;; candidate scorer of the model-aware samplers (one call per batch instead of one per user).
  (func (export "scorePairs") (param $P i32) (param $Q i32) (param $bias i32) (param $dim i32)
        (param $users i32) (param $items i32) (param $count i32) (param $out i32)
    (local $c i32) (local $bytes i32) (local $item i32) (local $o i32) (local $d f32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (block $done
      (loop $L
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $o (i32.shl (local.get $c) (i32.const 2)))
        (local.set $item (i32.load (i32.add (local.get $items) (local.get $o))))
        (if (i32.lt_s (local.get $item) (i32.const 0))
          (then (local.set $d (f32.const -inf)))
          (else
            (local.set $d (call $dot
              (i32.add (local.get $P) (i32.mul (i32.load (i32.add (local.get $users) (local.get $o))) (local.get $bytes)))
              (i32.add (local.get $Q) (i32.mul (local.get $item) (local.get $bytes)))
              (local.get $bytes)))
            (if (i32.ge_s (local.get $bias) (i32.const 0))
              (then (local.set $d (f32.add (local.get $d)
                (f32.load (i32.add (local.get $bias) (i32.shl (local.get $item) (i32.const 2))))))))))
        (f32.store (i32.add (local.get $out) (local.get $o)) (local.get $d))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $L))))

  ;; Right row q (accumulators acc) with left row p: ug += a·q, then Adagrad on g = a·p + b·q with
  ;; the old q. $acc < 0 selects plain SGD.
  (func $rightRow (param $q i32) (param $acc i32) (param $p i32) (param $ug i32) (param $bytes i32)
        (param $a f32) (param $b f32) (param $lr f32)
    (local $f i32) (local $av v128) (local $bv v128) (local $lv v128) (local $qv v128) (local $g v128) (local $h v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $bv (f32x4.splat (local.get $b)))
    (local.set $lv (f32x4.splat (local.get $lr)))
    (if (i32.ge_s (local.get $acc) (i32.const 0))
      (then
        (loop $A
          (local.set $qv (v128.load (i32.add (local.get $q) (local.get $f))))
          (v128.store (i32.add (local.get $ug) (local.get $f))
            (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $f))) (f32x4.mul (local.get $av) (local.get $qv))))
          (local.set $g (f32x4.add
            (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $f))))
            (f32x4.mul (local.get $bv) (local.get $qv))))
          (local.set $h (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $f))) (f32x4.mul (local.get $g) (local.get $g))))
          (v128.store (i32.add (local.get $acc) (local.get $f)) (local.get $h))
          (v128.store (i32.add (local.get $q) (local.get $f))
            (f32x4.sub (local.get $qv)
              (f32x4.div (f32x4.mul (local.get $lv) (local.get $g))
                (f32x4.sqrt (f32x4.add (local.get $h) (v128.const f32x4 1e-10 1e-10 1e-10 1e-10))))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $A (i32.lt_u (local.get $f) (local.get $bytes)))))
      (else
        (loop $S
          (local.set $qv (v128.load (i32.add (local.get $q) (local.get $f))))
          (v128.store (i32.add (local.get $ug) (local.get $f))
            (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $f))) (f32x4.mul (local.get $av) (local.get $qv))))
          (v128.store (i32.add (local.get $q) (local.get $f))
            (f32x4.sub (local.get $qv)
              (f32x4.mul (local.get $lv) (f32x4.add
                (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $f))))
                (f32x4.mul (local.get $bv) (local.get $qv))))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $S (i32.lt_u (local.get $f) (local.get $bytes)))))))

  ;; Left row p (accumulators acc) with gradient ug + b·p; $acc < 0 selects plain SGD.
  (func $leftRow (param $p i32) (param $acc i32) (param $ug i32) (param $bytes i32) (param $b f32) (param $lr f32)
    (local $f i32) (local $bv v128) (local $lv v128) (local $pv v128) (local $g v128) (local $h v128)
    (local.set $bv (f32x4.splat (local.get $b)))
    (local.set $lv (f32x4.splat (local.get $lr)))
    (loop $L
      (local.set $pv (v128.load (i32.add (local.get $p) (local.get $f))))
      (local.set $g (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $f))) (f32x4.mul (local.get $bv) (local.get $pv))))
      (if (i32.ge_s (local.get $acc) (i32.const 0))
        (then
          (local.set $h (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $f))) (f32x4.mul (local.get $g) (local.get $g))))
          (v128.store (i32.add (local.get $acc) (local.get $f)) (local.get $h))
          (v128.store (i32.add (local.get $p) (local.get $f))
            (f32x4.sub (local.get $pv)
              (f32x4.div (f32x4.mul (local.get $lv) (local.get $g))
                (f32x4.sqrt (f32x4.add (local.get $h) (v128.const f32x4 1e-10 1e-10 1e-10 1e-10)))))))
        (else
          (v128.store (i32.add (local.get $p) (local.get $f)) (f32x4.sub (local.get $pv) (f32x4.mul (local.get $lv) (local.get $g))))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $L (i32.lt_u (local.get $f) (local.get $bytes)))))

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

  ;; dotStepRange for slots [0, size) of the batch copied at $users, $pos, $negs, $logq (slot s's
  ;; negatives and logQ at s·k). $bias, $lacc, $racc, $bacc are −1 when absent (no biases, SGD).
  ;; Scratch at $scr: scores, grads, exps (float64, k + 1 each), then the left row's gradient
  ;; (float32, dim). $hp: 1/τ, logQ on/off, β (LOSS_GBCE) as float64. Returns the summed loss.
  (func (export "dotRange") (param $P i32) (param $Q i32) (param $bias i32) (param $lacc i32) (param $racc i32) (param $bacc i32)
        (param $dim i32) (param $users i32) (param $pos i32) (param $negs i32) (param $logq i32) (param $size i32) (param $k i32)
        (param $lr f64) (param $scr i32) (param $code i32) (param $l2 f64) (param $l2Bias f64)
        (param $invT f64) (param $correct f64) (param $beta f64) (result f64)
    (local $s i32) (local $c i32) (local $bytes i32) (local $p i32) (local $pa i32) (local $neg i32) (local $lq i32)
    (local $item i32) (local $sc i32) (local $gr i32) (local $ex i32) (local $ug i32) (local $f i32) (local $g f64)
    (local $total f64) (local $d f64) (local $lrf f32) (local $l2f f32) (local $ra i32) (local $bi i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $sc (local.get $scr))
    (local.set $gr (i32.add (local.get $sc) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $ex (i32.add (local.get $gr) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    ;; The left row's gradient, 16-byte aligned after the three float64 blocks.
    (local.set $ug (i32.and (i32.add (i32.add (local.get $ex) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))) (i32.const 15)) (i32.const -16)))
    (local.set $lrf (f32.demote_f64 (local.get $lr)))
    (local.set $l2f (f32.demote_f64 (local.get $l2)))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (local.set $f (i32.mul (i32.load (i32.add (local.get $users) (i32.shl (local.get $s) (i32.const 2)))) (local.get $bytes)))
        (local.set $p (i32.add (local.get $P) (local.get $f)))
        (local.set $pa (select (i32.add (local.get $lacc) (local.get $f)) (i32.const -1) (i32.ge_s (local.get $lacc) (i32.const 0))))
        (local.set $neg (i32.add (local.get $negs) (i32.shl (i32.mul (local.get $s) (local.get $k)) (i32.const 2))))
        (local.set $lq (i32.add (local.get $logq) (i32.shl (i32.mul (local.get $s) (local.get $k)) (i32.const 2))))
        ;; Scores of the positive (c = 0) and the negatives (c = 1..k); a masked negative scores 0.
        (local.set $c (i32.const 0))
        (loop $C
          (local.set $item (if (result i32) (i32.eqz (local.get $c))
            (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
            (else (i32.load (i32.add (local.get $neg) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
          (local.set $d (f64.const 0))
          (if (i32.ge_s (local.get $item) (i32.const 0))
            (then
              (local.set $d (f64.promote_f32 (call $dot (local.get $p) (i32.add (local.get $Q) (i32.mul (local.get $item) (local.get $bytes))) (local.get $bytes))))
              (if (i32.ge_s (local.get $bias) (i32.const 0))
                (then (local.set $d (f64.add (local.get $d)
                  (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $item) (i32.const 2)))))))))))
          (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $d))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $C (i32.le_u (local.get $c) (local.get $k))))
        (local.set $total (f64.add (local.get $total)
          (call $lossGrad (local.get $code) (local.get $sc) (local.get $gr) (local.get $ex) (local.get $neg) (local.get $lq)
            (local.get $k) (local.get $invT) (local.get $correct) (local.get $beta))))
        ;; Right rows in candidate order with the old left row, accumulating the left row's gradient.
        (local.set $f (i32.const 0))
        (loop $Z
          (v128.store (i32.add (local.get $ug) (local.get $f)) (v128.const i32x4 0 0 0 0))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $Z (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $c (i32.const 0))
        (loop $U
          (block $skip
            (local.set $g (f64.load (i32.add (local.get $gr) (i32.shl (local.get $c) (i32.const 3)))))
            (br_if $skip (f64.eq (local.get $g) (f64.const 0)))
            (local.set $item (if (result i32) (i32.eqz (local.get $c))
              (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
              (else (i32.load (i32.add (local.get $neg) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
            (br_if $skip (i32.lt_s (local.get $item) (i32.const 0)))
            (local.set $f (i32.mul (local.get $item) (local.get $bytes)))
            (local.set $ra (select (i32.add (local.get $racc) (local.get $f)) (i32.const -1) (i32.ge_s (local.get $racc) (i32.const 0))))
            (call $rightRow (i32.add (local.get $Q) (local.get $f)) (local.get $ra) (local.get $p) (local.get $ug) (local.get $bytes)
              (f32.demote_f64 (local.get $g)) (local.get $l2f) (local.get $lrf))
            (if (i32.ge_s (local.get $bias) (i32.const 0))
              (then
                (local.set $bi (i32.add (local.get $bias) (i32.shl (local.get $item) (i32.const 2))))
                (call $biasStep (local.get $bi)
                  (select (i32.add (local.get $bacc) (i32.shl (local.get $item) (i32.const 2))) (i32.const -1) (i32.ge_s (local.get $bacc) (i32.const 0)))
                  (f64.add (local.get $g) (f64.mul (local.get $l2Bias) (f64.promote_f32 (f32.load (local.get $bi)))))
                  (local.get $lr)))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $U (i32.le_u (local.get $c) (local.get $k))))
        (call $leftRow (local.get $p) (local.get $pa) (local.get $ug) (local.get $bytes) (local.get $l2f) (local.get $lrf))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S)))
    (local.get $total))

  ;; bprSgdRange (fused BPR, plain SGD, one negative per slot) for slots [0, size): x = p·(q_i − q_j)
  ;; + b_i − b_j, c = σ(−x), then p, q_i, q_j from the old values lane by lane (q_j stored last, so
  ;; a negative equal to the positive keeps its own update, as the TypeScript loop). A masked
  ;; negative skips the slot. Returns the summed loss.
  (func (export "bprSgd") (param $P i32) (param $Q i32) (param $bias i32) (param $dim i32) (param $users i32) (param $pos i32)
        (param $negs i32) (param $size i32) (param $lr f64) (param $l2 f64) (param $l2Bias f64) (result f64)
    (local $s i32) (local $i i32) (local $j i32) (local $bytes i32) (local $p i32) (local $qi i32) (local $qj i32) (local $f i32)
    (local $x f64) (local $e f64) (local $c f64) (local $total f64) (local $acc v128) (local $pu v128) (local $vi v128) (local $vj v128)
    (local $cv v128) (local $lv v128) (local $l2v v128) (local $bi i32) (local $bj i32)
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $lv (f32x4.splat (f32.demote_f64 (local.get $lr))))
    (local.set $l2v (f32x4.splat (f32.demote_f64 (local.get $l2))))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (block $skip
          (local.set $j (i32.load (i32.add (local.get $negs) (i32.shl (local.get $s) (i32.const 2)))))
          (br_if $skip (i32.lt_s (local.get $j) (i32.const 0)))
          (local.set $i (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
          (local.set $p (i32.add (local.get $P) (i32.mul (i32.load (i32.add (local.get $users) (i32.shl (local.get $s) (i32.const 2)))) (local.get $bytes))))
          (local.set $qi (i32.add (local.get $Q) (i32.mul (local.get $i) (local.get $bytes))))
          (local.set $qj (i32.add (local.get $Q) (i32.mul (local.get $j) (local.get $bytes))))
          (local.set $acc (v128.const i32x4 0 0 0 0))
          (local.set $f (i32.const 0))
          (loop $D
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $f)))
              (f32x4.sub (v128.load (i32.add (local.get $qi) (local.get $f))) (v128.load (i32.add (local.get $qj) (local.get $f)))))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br_if $D (i32.lt_u (local.get $f) (local.get $bytes))))
          (local.set $x (f64.promote_f32 (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc))))))
          (if (i32.ge_s (local.get $bias) (i32.const 0))
            (then
              (local.set $bi (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))
              (local.set $bj (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))))
              (local.set $x (f64.add (local.get $x)
                (f64.sub (f64.promote_f32 (f32.load (local.get $bi))) (f64.promote_f32 (f32.load (local.get $bj))))))))
          ;; loss = log(1 + e^−x); c = σ(−x)
          (if (f64.ge (local.get $x) (f64.const 0))
            (then
              (local.set $e (call $exp (f64.neg (local.get $x))))
              (local.set $c (f64.div (local.get $e) (f64.add (f64.const 1) (local.get $e))))
              (local.set $total (f64.add (local.get $total) (call $log1p (local.get $e)))))
            (else
              (local.set $e (call $exp (local.get $x)))
              (local.set $c (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e))))
              (local.set $total (f64.add (local.get $total) (f64.sub (call $log1p (local.get $e)) (local.get $x))))))
          (local.set $cv (f32x4.splat (f32.demote_f64 (local.get $c))))
          (local.set $f (i32.const 0))
          (loop $U
            (local.set $pu (v128.load (i32.add (local.get $p) (local.get $f))))
            (local.set $vi (v128.load (i32.add (local.get $qi) (local.get $f))))
            (local.set $vj (v128.load (i32.add (local.get $qj) (local.get $f))))
            (v128.store (i32.add (local.get $p) (local.get $f)) (f32x4.add (local.get $pu) (f32x4.mul (local.get $lv)
              (f32x4.sub (f32x4.mul (local.get $cv) (f32x4.sub (local.get $vi) (local.get $vj))) (f32x4.mul (local.get $l2v) (local.get $pu))))))
            (v128.store (i32.add (local.get $qi) (local.get $f)) (f32x4.add (local.get $vi) (f32x4.mul (local.get $lv)
              (f32x4.sub (f32x4.mul (local.get $cv) (local.get $pu)) (f32x4.mul (local.get $l2v) (local.get $vi))))))
            (v128.store (i32.add (local.get $qj) (local.get $f)) (f32x4.sub (local.get $vj) (f32x4.mul (local.get $lv)
              (f32x4.add (f32x4.mul (local.get $cv) (local.get $pu)) (f32x4.mul (local.get $l2v) (local.get $vj))))))
            (local.set $f (i32.add (local.get $f) (i32.const 16)))
            (br_if $U (i32.lt_u (local.get $f) (local.get $bytes))))
          (if (i32.ge_s (local.get $bias) (i32.const 0))
            (then
              (f32.store (local.get $bi) (f32.demote_f64 (f64.add (f64.promote_f32 (f32.load (local.get $bi)))
                (f64.mul (local.get $lr) (f64.sub (local.get $c) (f64.mul (local.get $l2Bias) (f64.promote_f32 (f32.load (local.get $bi)))))))))
              (f32.store (local.get $bj) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $bj)))
                (f64.mul (local.get $lr) (f64.add (local.get $c) (f64.mul (local.get $l2Bias) (f64.promote_f32 (f32.load (local.get $bj))))))))))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S)))
    (local.get $total))
)
