;; The dot-product step kernel (MF) in WebAssembly with 128-bit SIMD: the same rules as
;; dotStepRange / bprSgdRange in ../kernels.ts for the losses bpr, logistic, gbce and softmax with
;; SGD, Adagrad or row-wise Adagrad (unnormalised scores, optional item biases), one whole slot
;; range per call.
;; Factor rows are read and updated in float32 lanes (f32x4; the TypeScript kernel widens every
;; product to float64), while scores, losses, dL/ds and the bias updates stay in float64 as there.
;; Slots run in order and candidates within a slot in order, so slot s+1 sees slot s's updates and
;; a candidate repeated within a slot sees its first update, exactly as the TypeScript kernel.
;;
;; The memory is imported so that the model's parameters live in it (and, shared, in every worker
;; thread's instance); scripts/build-wasm.mjs assembles it twice, with "(memory 1)" and with
;; "(memory 1 65536 shared)" in place of $MEMORY. All pointers are byte offsets; rows are 16-byte
;; aligned and dim is a multiple of 4.
;;
;; exp, log, softplus, sigmoid, the dot product, the scalar bias step and lossGrad come from the
;; shared prelude ../../wasm/common.wat (spliced in by scripts/build-wasm.mjs), as in FM's kernel.
(module
  (import "env" "memory" $MEMORY)

  ;; @include math

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

  ;; Left row p with gradient ug + b·p by row-wise Adagrad, its one accumulator at $acc:
  ;; acc += Σ g²/dim, then p −= (lr/√(acc + ε))·g. The row's sum of squares is taken in float32
  ;; lanes, acc and the step size in float64 (adagradRowwise64 in ../../optim/optim.ts).
  (func $leftRowwise (param $p i32) (param $acc i32) (param $ug i32) (param $bytes i32) (param $b f32) (param $lr f64)
    (local $f i32) (local $bv v128) (local $pv v128) (local $g v128) (local $sv v128) (local $h f64) (local $rv v128)
    (local.set $bv (f32x4.splat (local.get $b)))
    (loop $L
      (local.set $g (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $f)))
        (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $p) (local.get $f))))))
      (local.set $sv (f32x4.add (local.get $sv) (f32x4.mul (local.get $g) (local.get $g))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $L (i32.lt_u (local.get $f) (local.get $bytes))))
    (local.set $h (f64.add (f64.promote_f32 (f32.load (local.get $acc)))
      (f64.div (f64.promote_f32 (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $sv)) (f32x4.extract_lane 1 (local.get $sv)))
          (f32.add (f32x4.extract_lane 2 (local.get $sv)) (f32x4.extract_lane 3 (local.get $sv)))))
        (f64.convert_i32_u (i32.shr_u (local.get $bytes) (i32.const 2))))))
    (f32.store (local.get $acc) (f32.demote_f64 (local.get $h)))
    (local.set $rv (f32x4.splat (f32.demote_f64 (f64.div (local.get $lr) (f64.sqrt (f64.add (local.get $h) (f64.const 1e-10)))))))
    (local.set $f (i32.const 0))
    (loop $U
      (local.set $pv (v128.load (i32.add (local.get $p) (local.get $f))))
      (local.set $g (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $f))) (f32x4.mul (local.get $bv) (local.get $pv))))
      (v128.store (i32.add (local.get $p) (local.get $f)) (f32x4.sub (local.get $pv) (f32x4.mul (local.get $rv) (local.get $g))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $U (i32.lt_u (local.get $f) (local.get $bytes)))))

  ;; @include loss

  ;; dotStepRange for slots [0, size) of the batch copied at $users, $pos, $negs, $logq (slot s's
  ;; negatives and logQ at s·k). $bias, $lacc, $racc, $bacc are −1 when absent (no biases, SGD).
  ;; $rowwise = 1: row-wise Adagrad, $lacc and $racc hold one float per row (biases: scalar Adagrad).
  ;; Scratch at $scr: scores, grads, exps (float64, k + 1 each), (row-wise Adagrad) the candidates'
  ;; p·q and ‖q‖² (float64, k + 2 each), then the left row's gradient (float32, dim).
  ;; $hp: 1/τ, logQ on/off, β (LOSS_GBCE) as float64. Returns the summed loss.
  ;; The per-candidate work ($dot, the right row's step, $biasStep) is written inline, with the
  ;; same operations in the same order as those functions, so the floats are unchanged.
  (func (export "dotRange") (param $P i32) (param $Q i32) (param $bias i32) (param $lacc i32) (param $racc i32) (param $bacc i32)
        (param $dim i32) (param $users i32) (param $pos i32) (param $negs i32) (param $logq i32) (param $size i32) (param $k i32)
        (param $lr f64) (param $scr i32) (param $code i32) (param $l2 f64) (param $l2Bias f64)
        (param $invT f64) (param $correct f64) (param $beta f64) (param $rowwise i32) (result f64)
    (local $s i32) (local $c i32) (local $bytes i32) (local $p i32) (local $pa i32) (local $neg i32) (local $lq i32)
    (local $item i32) (local $sc i32) (local $gr i32) (local $ex i32) (local $ug i32) (local $f i32) (local $g f64)
    (local $total f64) (local $d f64) (local $lrf f32) (local $l2f f32) (local $ra i32) (local $bi i32)
    (local $q i32) (local $x i32) (local $ba i32) (local $h f64) (local $dimf f64)
    (local $s0 v128) (local $s1 v128) (local $av v128) (local $bv v128) (local $lv v128) (local $qv v128) (local $gv v128) (local $hv v128)
    (local $u i32) (local $dt i32) (local $qn i32) (local $pn f64) (local $s2 v128) (local $s3 v128) (local $qv1 v128)
    (local.set $dimf (f64.convert_i32_u (local.get $dim)))
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $sc (local.get $scr))
    (local.set $gr (i32.add (local.get $sc) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $ex (i32.add (local.get $gr) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $dt (i32.add (local.get $ex) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $qn (i32.add (local.get $dt) (i32.shl (i32.add (local.get $k) (i32.const 2)) (i32.const 3))))
    ;; The left row's gradient, 16-byte aligned after the float64 blocks.
    (local.set $ug (i32.and (i32.add (i32.add (local.get $qn) (i32.shl (i32.add (local.get $k) (i32.const 2)) (i32.const 3))) (i32.const 15)) (i32.const -16)))
    (local.set $lrf (f32.demote_f64 (local.get $lr)))
    (local.set $l2f (f32.demote_f64 (local.get $l2)))
    (local.set $bv (f32x4.splat (local.get $l2f)))
    (local.set $lv (f32x4.splat (local.get $lrf)))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (local.set $u (i32.load (i32.add (local.get $users) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $f (i32.mul (local.get $u) (local.get $bytes)))
        (local.set $p (i32.add (local.get $P) (local.get $f)))
        ;; Row-wise accumulators: one float per row.
        (if (local.get $rowwise) (then (local.set $f (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $pa (select (i32.add (local.get $lacc) (local.get $f)) (i32.const -1) (i32.ge_s (local.get $lacc) (i32.const 0))))
        ;; Row-wise: ‖p‖² of the slot's (old) left row, for the right rows' gradient norms.
        (if (local.get $rowwise)
          (then
            (local.set $x (i32.const 0))
            (local.set $s2 (v128.const i32x4 0 0 0 0))
            (loop $PN
              (local.set $qv (v128.load (i32.add (local.get $p) (local.get $x))))
              (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $qv) (local.get $qv))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (br_if $PN (i32.lt_u (local.get $x) (local.get $bytes))))
            (local.set $pn (f64.promote_f32 (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $s2)) (f32x4.extract_lane 1 (local.get $s2)))
              (f32.add (f32x4.extract_lane 2 (local.get $s2)) (f32x4.extract_lane 3 (local.get $s2))))))))
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
              ;; $dot inlined (the hottest call): the same two accumulators, lanes and sums.
              (local.set $q (i32.add (local.get $Q) (i32.mul (local.get $item) (local.get $bytes))))
              (local.set $x (i32.const 0))
              (local.set $s0 (v128.const i32x4 0 0 0 0))
              (local.set $s1 (v128.const i32x4 0 0 0 0))
              (if (local.get $rowwise)
                (then
                  ;; The same dot (same accumulators and order), and ‖q‖² beside it.
                  (local.set $s2 (v128.const i32x4 0 0 0 0))
                  (local.set $s3 (v128.const i32x4 0 0 0 0))
                  (block $rdone
                    (loop $RL
                      (br_if $rdone (i32.gt_u (i32.add (local.get $x) (i32.const 32)) (local.get $bytes)))
                      (local.set $qv (v128.load (i32.add (local.get $q) (local.get $x))))
                      (local.set $qv1 (v128.load offset=16 (i32.add (local.get $q) (local.get $x))))
                      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $x))) (local.get $qv))))
                      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (local.get $x))) (local.get $qv1))))
                      (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $qv) (local.get $qv))))
                      (local.set $s3 (f32x4.add (local.get $s3) (f32x4.mul (local.get $qv1) (local.get $qv1))))
                      (local.set $x (i32.add (local.get $x) (i32.const 32)))
                      (br $RL)))
                  (if (i32.lt_u (local.get $x) (local.get $bytes))
                    (then
                      (local.set $qv (v128.load (i32.add (local.get $q) (local.get $x))))
                      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $x))) (local.get $qv))))
                      (local.set $s2 (f32x4.add (local.get $s2) (f32x4.mul (local.get $qv) (local.get $qv))))))
                  (local.set $s2 (f32x4.add (local.get $s2) (local.get $s3)))
                  (f64.store (i32.add (local.get $qn) (i32.shl (local.get $c) (i32.const 3))) (f64.promote_f32 (f32.add
                    (f32.add (f32x4.extract_lane 0 (local.get $s2)) (f32x4.extract_lane 1 (local.get $s2)))
                    (f32.add (f32x4.extract_lane 2 (local.get $s2)) (f32x4.extract_lane 3 (local.get $s2)))))))
                (else
                  (block $ddone
                    (loop $DL
                      (br_if $ddone (i32.gt_u (i32.add (local.get $x) (i32.const 32)) (local.get $bytes)))
                      (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $x))) (v128.load (i32.add (local.get $q) (local.get $x))))))
                      (local.set $s1 (f32x4.add (local.get $s1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $p) (local.get $x))) (v128.load offset=16 (i32.add (local.get $q) (local.get $x))))))
                      (local.set $x (i32.add (local.get $x) (i32.const 32)))
                      (br $DL)))
                  (if (i32.lt_u (local.get $x) (local.get $bytes))
                    (then (local.set $s0 (f32x4.add (local.get $s0) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $x))) (v128.load (i32.add (local.get $q) (local.get $x))))))))))
              (local.set $s0 (f32x4.add (local.get $s0) (local.get $s1)))
              (local.set $d (f64.promote_f32 (f32.add
                (f32.add (f32x4.extract_lane 0 (local.get $s0)) (f32x4.extract_lane 1 (local.get $s0)))
                (f32.add (f32x4.extract_lane 2 (local.get $s0)) (f32x4.extract_lane 3 (local.get $s0))))))
              (if (local.get $rowwise)
                (then (f64.store (i32.add (local.get $dt) (i32.shl (local.get $c) (i32.const 3))) (local.get $d))))
              (if (i32.ge_s (local.get $bias) (i32.const 0))
                (then (local.set $d (f64.add (local.get $d)
                  (f64.promote_f32 (f32.load (i32.add (local.get $bias) (i32.shl (local.get $item) (i32.const 2)))))))))))
          (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (local.get $d))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $C (i32.le_u (local.get $c) (local.get $k))))
        (local.set $total (f64.add (local.get $total)
          (call $lossGrad (local.get $code) (local.get $sc) (local.get $gr) (local.get $ex) (local.get $neg) (local.get $lq)
            (local.get $k) (local.get $invT) (local.get $correct) (local.get $beta))))
        ;; Row-wise: every candidate's step size r = lr/√(acc + ε) before the row updates, after
        ;; acc += ‖g·p + l2·q‖²/dim with ‖g·p + l2·q‖² = g²‖p‖² + 2g·l2·(p·q) + l2²‖q‖² from the scoring
        ;; pass (as dotStepRange). The float64 arithmetic runs two candidates per f64x2 lane pair
        ;; (the same IEEE operations as one at a time), only the accumulators' gather and scatter one
        ;; candidate at a time, in candidate order (a repeated item sees its first increment); the
        ;; blocks at $dt and $qn have a spare slot for the pair past an odd k + 1. r overwrites p·q.
        (if (local.get $rowwise)
          (then
            (local.set $x (i32.const 0))
            (local.set $qv (f64x2.splat (local.get $pn)))
            (local.set $qv1 (f64x2.splat (local.get $l2)))
            (loop $RA
              (local.set $gv (v128.load (i32.add (local.get $gr) (local.get $x))))
              (v128.store (i32.add (local.get $dt) (local.get $x))
                (f64x2.div
                  (f64x2.pmax (v128.const f64x2 0 0)
                    (f64x2.add
                      (f64x2.add (f64x2.mul (f64x2.mul (local.get $gv) (local.get $gv)) (local.get $qv))
                        (f64x2.mul (f64x2.mul (f64x2.mul (v128.const f64x2 2 2) (local.get $gv)) (local.get $qv1))
                          (v128.load (i32.add (local.get $dt) (local.get $x)))))
                      (f64x2.mul (f64x2.mul (local.get $qv1) (local.get $qv1)) (v128.load (i32.add (local.get $qn) (local.get $x))))))
                  (f64x2.splat (local.get $dimf))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (br_if $RA (i32.le_u (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))
            (local.set $c (i32.const 0))
            (loop $RB
              (block $rskip
                (br_if $rskip (f64.eq (f64.load (i32.add (local.get $gr) (i32.shl (local.get $c) (i32.const 3)))) (f64.const 0)))
                (local.set $item (if (result i32) (i32.eqz (local.get $c))
                  (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
                  (else (i32.load (i32.add (local.get $neg) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
                (br_if $rskip (i32.lt_s (local.get $item) (i32.const 0)))
                (local.set $ra (i32.add (local.get $racc) (i32.shl (local.get $item) (i32.const 2))))
                (local.set $x (i32.add (local.get $dt) (i32.shl (local.get $c) (i32.const 3))))
                (local.set $h (f64.add (f64.promote_f32 (f32.load (local.get $ra))) (f64.load (local.get $x))))
                (f32.store (local.get $ra) (f32.demote_f64 (local.get $h)))
                (f64.store (local.get $x) (local.get $h)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br_if $RB (i32.le_u (local.get $c) (local.get $k))))
            (local.set $x (i32.const 0))
            (loop $RC
              (v128.store (i32.add (local.get $dt) (local.get $x))
                (f64x2.div (f64x2.splat (local.get $lr))
                  (f64x2.sqrt (f64x2.add (v128.load (i32.add (local.get $dt) (local.get $x))) (v128.const f64x2 1e-10 1e-10)))))
              (local.set $x (i32.add (local.get $x) (i32.const 16)))
              (br_if $RC (i32.le_u (local.get $x) (i32.shl (local.get $k) (i32.const 3)))))))
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
            (local.set $q (i32.add (local.get $Q) (local.get $f)))
            (local.set $av (f32x4.splat (f32.demote_f64 (local.get $g))))
            (local.set $x (i32.const 0))
            ;; Right row q (accumulators at $ra; $racc < 0: SGD) with the old left row p: ug += g·q,
            ;; then the step on g·p + l2·q with the old q. Inline, as $dot above: a call per candidate
            ;; cost about 6% of a default fit (V8 does not inline wasm calls by default).
            (if (i32.ge_s (local.get $racc) (i32.const 0))
              (then
                (if (local.get $rowwise)
                  (then
                    ;; Row-wise: step size r from the pass above, then one pass as SGD's:
                    ;; ug += g·q, q −= r·(g·p + l2·q).
                    (local.set $hv (f32x4.splat (f32.demote_f64 (f64.load (i32.add (local.get $dt) (i32.shl (local.get $c) (i32.const 3)))))))
                    (loop $W
                      (local.set $qv (v128.load (i32.add (local.get $q) (local.get $x))))
                      (v128.store (i32.add (local.get $ug) (local.get $x))
                        (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $x))) (f32x4.mul (local.get $av) (local.get $qv))))
                      (v128.store (i32.add (local.get $q) (local.get $x))
                        (f32x4.sub (local.get $qv) (f32x4.mul (local.get $hv) (f32x4.add
                          (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $x))))
                          (f32x4.mul (local.get $bv) (local.get $qv))))))
                      (local.set $x (i32.add (local.get $x) (i32.const 16)))
                      (br_if $W (i32.lt_u (local.get $x) (local.get $bytes)))))
                  (else
                    (local.set $ra (i32.add (local.get $racc) (local.get $f)))
                    (loop $A
                      (local.set $qv (v128.load (i32.add (local.get $q) (local.get $x))))
                      (v128.store (i32.add (local.get $ug) (local.get $x))
                        (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $x))) (f32x4.mul (local.get $av) (local.get $qv))))
                      (local.set $gv (f32x4.add
                        (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $x))))
                        (f32x4.mul (local.get $bv) (local.get $qv))))
                      (local.set $hv (f32x4.add (v128.load (i32.add (local.get $ra) (local.get $x))) (f32x4.mul (local.get $gv) (local.get $gv))))
                      (v128.store (i32.add (local.get $ra) (local.get $x)) (local.get $hv))
                      (v128.store (i32.add (local.get $q) (local.get $x))
                        (f32x4.sub (local.get $qv)
                          (f32x4.div (f32x4.mul (local.get $lv) (local.get $gv))
                            (f32x4.sqrt (f32x4.add (local.get $hv) (v128.const f32x4 1e-10 1e-10 1e-10 1e-10))))))
                      (local.set $x (i32.add (local.get $x) (i32.const 16)))
                      (br_if $A (i32.lt_u (local.get $x) (local.get $bytes)))))))
              (else
                (loop $G
                  (local.set $qv (v128.load (i32.add (local.get $q) (local.get $x))))
                  (v128.store (i32.add (local.get $ug) (local.get $x))
                    (f32x4.add (v128.load (i32.add (local.get $ug) (local.get $x))) (f32x4.mul (local.get $av) (local.get $qv))))
                  (v128.store (i32.add (local.get $q) (local.get $x))
                    (f32x4.sub (local.get $qv)
                      (f32x4.mul (local.get $lv) (f32x4.add
                        (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $p) (local.get $x))))
                        (f32x4.mul (local.get $bv) (local.get $qv))))))
                  (local.set $x (i32.add (local.get $x) (i32.const 16)))
                  (br_if $G (i32.lt_u (local.get $x) (local.get $bytes))))))
            (if (i32.ge_s (local.get $bias) (i32.const 0))
              (then
                (local.set $bi (i32.add (local.get $bias) (i32.shl (local.get $item) (i32.const 2))))
                ;; $biasStep inlined, in float64 as there.
                (local.set $d (f64.add (local.get $g) (f64.mul (local.get $l2Bias) (f64.promote_f32 (f32.load (local.get $bi))))))
                (if (i32.ge_s (local.get $bacc) (i32.const 0))
                  (then
                    (local.set $ba (i32.add (local.get $bacc) (i32.shl (local.get $item) (i32.const 2))))
                    (local.set $h (f64.add (f64.promote_f32 (f32.load (local.get $ba))) (f64.mul (local.get $d) (local.get $d))))
                    (f32.store (local.get $ba) (f32.demote_f64 (local.get $h)))
                    (f32.store (local.get $bi) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $bi)))
                      (f64.div (f64.mul (local.get $lr) (local.get $d)) (f64.sqrt (f64.add (local.get $h) (f64.const 1e-10))))))))
                  (else
                    (f32.store (local.get $bi) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $bi))) (f64.mul (local.get $lr) (local.get $d))))))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $U (i32.le_u (local.get $c) (local.get $k))))
        (if (local.get $rowwise)
          (then (call $leftRowwise (local.get $p) (local.get $pa) (local.get $ug) (local.get $bytes) (local.get $l2f) (local.get $lr)))
          (else (call $leftRow (local.get $p) (local.get $pa) (local.get $ug) (local.get $bytes) (local.get $l2f) (local.get $lrf))))
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
