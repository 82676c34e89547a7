;; The FM step kernel in WebAssembly with 128-bit SIMD: the same rules as fmStepRange in
;; ../kernels.ts for the losses bpr, logistic, gbce and softmax with SGD or Adagrad, one whole slot
;; range per call (without the optional userFactors upkeep: the stepper then calls it one slot at
;; a time and rewrites the user row itself). Factor rows and the row sums s_R are float32 lanes (f32x4; the TypeScript kernel
;; accumulates the sums in float64), while the linear terms, scores, losses, dL/ds and the updates
;; of w0 and w stay in float64 as there. Slots run in order, candidates within a slot in order.
;; It also scores (user, item) pairs for model-aware samplers (scorePairs: the batched scorer of
;; createFmStepper's FactorView) with the same sums, over the same memory.
;;
;; exp, log, softplus, sigmoid, the dot product, the scalar step and lossGrad come from the shared
;; prelude ../../wasm/common.wat (spliced in by scripts/build-wasm.mjs), as in MF's kernel, so both
;; kernels share their numerics.
;;
;; The memory is imported so that the parameters (and the feature rows) live in it, shared across
;; worker threads; scripts/build-wasm.mjs assembles it twice, with "(memory 1)" and with
;; "(memory 1 65536 shared)" in place of $MEMORY. All pointers are byte offsets; factor rows are
;; 16-byte aligned and dim is a multiple of 4.
(module
  (import "env" "memory" $MEMORY)

  ;; @include math

  ;; @include loss

  ;; Sum-of-squares pass over the sparse row p in [start, end) of (feat, val) (int32, float32):
  ;; writes s = Σ v_m x_m (float32, dim) at $out and returns c = Σ w_m x_m + ½(|s|² − Σ |v_m x_m|²).
  ;; |s|² and Σ|v_m x_m|² use the same lane-wise order, so a one-feature row gives c = w_m x_m exactly.
  (func $rowSum (param $W i32) (param $V i32) (param $bytes i32) (param $feat i32) (param $val i32)
        (param $start i32) (param $end i32) (param $out i32) (result f64)
    (local $p i32) (local $f i32) (local $m i32) (local $x f32) (local $xv v128) (local $vo i32)
    (local $t v128) (local $sq v128) (local $ss v128) (local $o v128) (local $lin f64)
    (local.set $f (i32.const 0))
    (loop $Z
      (v128.store (i32.add (local.get $out) (local.get $f)) (v128.const i32x4 0 0 0 0))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $Z (i32.lt_u (local.get $f) (local.get $bytes))))
    (local.set $p (local.get $start))
    (block $done
      (loop $P
        (br_if $done (i32.ge_s (local.get $p) (local.get $end)))
        (local.set $m (i32.load (i32.add (local.get $feat) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $x (f32.load (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $lin (f64.add (local.get $lin)
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $W) (i32.shl (local.get $m) (i32.const 2))))) (f64.promote_f32 (local.get $x)))))
        (local.set $xv (f32x4.splat (local.get $x)))
        (local.set $vo (i32.add (local.get $V) (i32.mul (local.get $m) (local.get $bytes))))
        (local.set $f (i32.const 0))
        (loop $F
          (local.set $t (f32x4.mul (v128.load (i32.add (local.get $vo) (local.get $f))) (local.get $xv)))
          (v128.store (i32.add (local.get $out) (local.get $f))
            (f32x4.add (v128.load (i32.add (local.get $out) (local.get $f))) (local.get $t)))
          (local.set $sq (f32x4.add (local.get $sq) (f32x4.mul (local.get $t) (local.get $t))))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $F (i32.lt_u (local.get $f) (local.get $bytes))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $P)))
    (local.set $f (i32.const 0))
    (loop $S
      (local.set $o (v128.load (i32.add (local.get $out) (local.get $f))))
      (local.set $ss (f32x4.add (local.get $ss) (f32x4.mul (local.get $o) (local.get $o))))
      (local.set $f (i32.add (local.get $f) (i32.const 16)))
      (br_if $S (i32.lt_u (local.get $f) (local.get $bytes))))
    ;; ½(|s|² − Σ t²) lane by lane, then across lanes.
    (local.set $ss (f32x4.sub (local.get $ss) (local.get $sq)))
    (f64.add (local.get $lin) (f64.mul (f64.const 0.5) (f64.promote_f32
      (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $ss)) (f32x4.extract_lane 1 (local.get $ss)))
        (f32.add (f32x4.extract_lane 2 (local.get $ss)) (f32x4.extract_lane 3 (local.get $ss))))))))

  ;; scorePairs: out[c] = ŷ(users[c], items[c]) (float32) for c in [0, count), −∞ when items[c] < 0:
  ;; w0 + c_U + c_I + ⟨s_U, s_I⟩ over the live parameters, the sums as $rowSum gives them (the step
  ;; kernel's scores). The user side (s_U at $su, float32 dim) is summed once per run of equal users;
  ;; an item row of one feature m scores c_I + ⟨s_U, s_I⟩ = w_m x_m + x_m ⟨s_U, v_m⟩ in one pass
  ;; (no sum written), a longer row goes through $rowSum into $si (float32 dim). $rows as in fmRange.
  (func (export "scorePairs") (param $W0 i32) (param $W i32) (param $V i32) (param $dim i32) (param $rows i32)
        (param $users i32) (param $items i32) (param $count i32) (param $out i32) (param $su i32) (param $si i32)
    (local $c i32) (local $o i32) (local $bytes i32) (local $u i32) (local $prev i32) (local $item i32)
    (local $uPtr i32) (local $uFeat i32) (local $uVal i32) (local $iPtr i32) (local $iFeat i32) (local $iVal i32)
    (local $ia i32) (local $ib i32) (local $m i32) (local $x f64) (local $w0 f64) (local $cu f64) (local $y f64)
    (local.set $uPtr (i32.load (local.get $rows)))
    (local.set $uFeat (i32.load offset=4 (local.get $rows)))
    (local.set $uVal (i32.load offset=8 (local.get $rows)))
    (local.set $iPtr (i32.load offset=12 (local.get $rows)))
    (local.set $iFeat (i32.load offset=16 (local.get $rows)))
    (local.set $iVal (i32.load offset=20 (local.get $rows)))
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $w0 (f64.promote_f32 (f32.load (local.get $W0))))
    (local.set $prev (i32.const -1))
    (block $done
      (loop $L
        (br_if $done (i32.ge_u (local.get $c) (local.get $count)))
        (local.set $o (i32.shl (local.get $c) (i32.const 2)))
        (local.set $item (i32.load (i32.add (local.get $items) (local.get $o))))
        (if (i32.lt_s (local.get $item) (i32.const 0))
          (then (f32.store (i32.add (local.get $out) (local.get $o)) (f32.const -inf)))
          (else
            (local.set $u (i32.load (i32.add (local.get $users) (local.get $o))))
            (if (i32.ne (local.get $u) (local.get $prev))
              (then
                (local.set $cu (f64.add (local.get $w0) (call $rowSum (local.get $W) (local.get $V) (local.get $bytes)
                  (local.get $uFeat) (local.get $uVal)
                  (i32.load (i32.add (local.get $uPtr) (i32.shl (local.get $u) (i32.const 2))))
                  (i32.load offset=4 (i32.add (local.get $uPtr) (i32.shl (local.get $u) (i32.const 2))))
                  (local.get $su))))
                (local.set $prev (local.get $u))))
            (local.set $ia (i32.load (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
            (local.set $ib (i32.load offset=4 (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
            (if (i32.eq (i32.sub (local.get $ib) (local.get $ia)) (i32.const 1))
              (then
                (local.set $m (i32.load (i32.add (local.get $iFeat) (i32.shl (local.get $ia) (i32.const 2)))))
                (local.set $x (f64.promote_f32 (f32.load (i32.add (local.get $iVal) (i32.shl (local.get $ia) (i32.const 2))))))
                (local.set $y (f64.mul (local.get $x) (f64.add
                  (f64.promote_f32 (f32.load (i32.add (local.get $W) (i32.shl (local.get $m) (i32.const 2)))))
                  (f64.promote_f32 (call $dot (local.get $su) (i32.add (local.get $V) (i32.mul (local.get $m) (local.get $bytes)))
                    (local.get $bytes)))))))
              (else
                (local.set $y (f64.add
                  (call $rowSum (local.get $W) (local.get $V) (local.get $bytes) (local.get $iFeat) (local.get $iVal)
                    (local.get $ia) (local.get $ib) (local.get $si))
                  (f64.promote_f32 (call $dot (local.get $su) (local.get $si) (local.get $bytes)))))))
            (f32.store (i32.add (local.get $out) (local.get $o)) (f32.demote_f64 (f64.add (local.get $cu) (local.get $y))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $L))))

  ;; fmRowUpdate: every feature m of the row p in [start, end) gets ∂/∂w_m = g·x_m (+ L2, float64)
  ;; and ∂/∂v_mf = x_m·(a·A_f + b·B_f) − g·x_m²·v_mf + l2·v_mf (float32 lanes), with A at $sa and B
  ;; at $sb (float32, dim). $wacc/$vacc < 0 select plain SGD.
  (func $rowUpdate (param $W i32) (param $V i32) (param $wacc i32) (param $vacc i32) (param $bytes i32)
        (param $feat i32) (param $val i32) (param $start i32) (param $end i32)
        (param $g f64) (param $a f32) (param $sa i32) (param $b f32) (param $sb i32)
        (param $lr f64) (param $l2 f32) (param $l2b f64)
    (local $p i32) (local $f i32) (local $m i32) (local $x f32) (local $xd f64) (local $wm i32) (local $vo i32) (local $ao i32)
    (local $gw f64) (local $h f64) (local $xv v128) (local $av v128) (local $bv v128) (local $gx2 v128) (local $l2v v128)
    (local $lv v128) (local $q v128) (local $gv v128) (local $hv v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $bv (f32x4.splat (local.get $b)))
    (local.set $l2v (f32x4.splat (local.get $l2)))
    (local.set $lv (f32x4.splat (f32.demote_f64 (local.get $lr))))
    (local.set $p (local.get $start))
    (block $done
      (loop $P
        (br_if $done (i32.ge_s (local.get $p) (local.get $end)))
        (local.set $m (i32.load (i32.add (local.get $feat) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $x (f32.load (i32.add (local.get $val) (i32.shl (local.get $p) (i32.const 2)))))
        (local.set $xd (f64.promote_f32 (local.get $x)))
        ;; Linear weight, in float64 as the TypeScript kernel.
        (local.set $wm (i32.add (local.get $W) (i32.shl (local.get $m) (i32.const 2))))
        (local.set $gw (f64.add (f64.mul (local.get $g) (local.get $xd))
          (f64.mul (local.get $l2b) (f64.promote_f32 (f32.load (local.get $wm))))))
        (if (i32.ge_s (local.get $wacc) (i32.const 0))
          (then
            (local.set $ao (i32.add (local.get $wacc) (i32.shl (local.get $m) (i32.const 2))))
            (local.set $h (f64.add (f64.promote_f32 (f32.load (local.get $ao))) (f64.mul (local.get $gw) (local.get $gw))))
            (f32.store (local.get $ao) (f32.demote_f64 (local.get $h)))
            (f32.store (local.get $wm) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $wm)))
              (f64.div (f64.mul (local.get $lr) (local.get $gw)) (f64.sqrt (f64.add (local.get $h) (f64.const 1e-10))))))))
          (else
            (f32.store (local.get $wm) (f32.demote_f64 (f64.sub (f64.promote_f32 (f32.load (local.get $wm))) (f64.mul (local.get $lr) (local.get $gw)))))))
        ;; Factor row.
        (local.set $xv (f32x4.splat (local.get $x)))
        (local.set $gx2 (f32x4.splat (f32.demote_f64 (f64.mul (f64.mul (local.get $g) (local.get $xd)) (local.get $xd)))))
        (local.set $vo (i32.mul (local.get $m) (local.get $bytes)))
        (local.set $f (i32.const 0))
        (if (i32.ge_s (local.get $vacc) (i32.const 0))
          (then
            (local.set $ao (i32.add (local.get $vacc) (local.get $vo)))
            (local.set $vo (i32.add (local.get $V) (local.get $vo)))
            (loop $A
              (local.set $q (v128.load (i32.add (local.get $vo) (local.get $f))))
              (local.set $gv (f32x4.add
                (f32x4.sub
                  (f32x4.mul (local.get $xv) (f32x4.add
                    (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $sa) (local.get $f))))
                    (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $sb) (local.get $f))))))
                  (f32x4.mul (local.get $gx2) (local.get $q)))
                (f32x4.mul (local.get $l2v) (local.get $q))))
              (local.set $hv (f32x4.add (v128.load (i32.add (local.get $ao) (local.get $f))) (f32x4.mul (local.get $gv) (local.get $gv))))
              (v128.store (i32.add (local.get $ao) (local.get $f)) (local.get $hv))
              (v128.store (i32.add (local.get $vo) (local.get $f))
                (f32x4.sub (local.get $q)
                  (f32x4.div (f32x4.mul (local.get $lv) (local.get $gv))
                    (f32x4.sqrt (f32x4.add (local.get $hv) (v128.const f32x4 1e-10 1e-10 1e-10 1e-10))))))
              (local.set $f (i32.add (local.get $f) (i32.const 16)))
              (br_if $A (i32.lt_u (local.get $f) (local.get $bytes)))))
          (else
            (local.set $vo (i32.add (local.get $V) (local.get $vo)))
            (loop $S
              (local.set $q (v128.load (i32.add (local.get $vo) (local.get $f))))
              (v128.store (i32.add (local.get $vo) (local.get $f))
                (f32x4.sub (local.get $q) (f32x4.mul (local.get $lv) (f32x4.add
                  (f32x4.sub
                    (f32x4.mul (local.get $xv) (f32x4.add
                      (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $sa) (local.get $f))))
                      (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $sb) (local.get $f))))))
                    (f32x4.mul (local.get $gx2) (local.get $q)))
                  (f32x4.mul (local.get $l2v) (local.get $q))))))
              (local.set $f (i32.add (local.get $f) (i32.const 16)))
              (br_if $S (i32.lt_u (local.get $f) (local.get $bytes))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $P))))

  ;; fmStepRange for slots [0, size) of the batch copied at $users, $pos, $negs, $logq (slot s's
  ;; negatives and logQ at s·k). $rows points at six int32 words: the byte offsets of uPtr, uFeat,
  ;; uVal, iPtr, iFeat, iVal. $w0acc/$wacc/$vacc are −1 with SGD. Scratch at $scr: scores, grads,
  ;; exps (float64, k + 1 each), then (16-byte aligned, float32) the user sum, the user side's
  ;; gradient Σ g_c s_c and the k + 1 candidate sums. Returns the summed loss.
  (func (export "fmRange") (param $W0 i32) (param $W i32) (param $V i32) (param $w0acc i32) (param $wacc i32) (param $vacc i32)
        (param $dim i32) (param $rows i32) (param $users i32) (param $pos i32) (param $negs i32) (param $logq i32)
        (param $size i32) (param $k i32) (param $lr f64) (param $scr i32) (param $code i32) (param $l2 f64) (param $l2b f64)
        (param $invT f64) (param $correct f64) (param $beta f64) (result f64)
    (local $s i32) (local $c i32) (local $bytes i32) (local $u i32) (local $neg i32) (local $lq i32) (local $item i32)
    (local $sc i32) (local $gr i32) (local $ex i32) (local $su i32) (local $gu i32) (local $cs i32) (local $co i32) (local $f i32)
    (local $uPtr i32) (local $uFeat i32) (local $uVal i32) (local $iPtr i32) (local $iFeat i32) (local $iVal i32)
    (local $ua i32) (local $ub i32) (local $ia i32) (local $ib i32)
    (local $w0 f64) (local $cu f64) (local $ci f64) (local $g f64) (local $G f64) (local $gv v128) (local $total f64) (local $l2f f32)
    (local.set $uPtr (i32.load (local.get $rows)))
    (local.set $uFeat (i32.load offset=4 (local.get $rows)))
    (local.set $uVal (i32.load offset=8 (local.get $rows)))
    (local.set $iPtr (i32.load offset=12 (local.get $rows)))
    (local.set $iFeat (i32.load offset=16 (local.get $rows)))
    (local.set $iVal (i32.load offset=20 (local.get $rows)))
    (local.set $bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $l2f (f32.demote_f64 (local.get $l2)))
    (local.set $sc (local.get $scr))
    (local.set $gr (i32.add (local.get $sc) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $ex (i32.add (local.get $gr) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))))
    (local.set $su (i32.and (i32.add (i32.add (local.get $ex) (i32.shl (i32.add (local.get $k) (i32.const 1)) (i32.const 3))) (i32.const 15)) (i32.const -16)))
    (local.set $gu (i32.add (local.get $su) (local.get $bytes)))
    (local.set $cs (i32.add (local.get $gu) (local.get $bytes)))
    (block $sdone
      (loop $S
        (br_if $sdone (i32.ge_u (local.get $s) (local.get $size)))
        (local.set $u (i32.load (i32.add (local.get $users) (i32.shl (local.get $s) (i32.const 2)))))
        (local.set $ua (i32.load (i32.add (local.get $uPtr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $ub (i32.load offset=4 (i32.add (local.get $uPtr) (i32.shl (local.get $u) (i32.const 2)))))
        (local.set $neg (i32.add (local.get $negs) (i32.shl (i32.mul (local.get $s) (local.get $k)) (i32.const 2))))
        (local.set $lq (i32.add (local.get $logq) (i32.shl (i32.mul (local.get $s) (local.get $k)) (i32.const 2))))
        (local.set $w0 (f64.promote_f32 (f32.load (local.get $W0))))
        (local.set $cu (call $rowSum (local.get $W) (local.get $V) (local.get $bytes) (local.get $uFeat) (local.get $uVal)
          (local.get $ua) (local.get $ub) (local.get $su)))
        ;; Scores of the positive (c = 0) and the negatives (c = 1..k); a masked negative scores 0.
        (local.set $c (i32.const 0))
        (loop $C
          (local.set $item (if (result i32) (i32.eqz (local.get $c))
            (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
            (else (i32.load (i32.add (local.get $neg) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
          (if (i32.lt_s (local.get $item) (i32.const 0))
            (then (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3))) (f64.const 0)))
            (else
              (local.set $co (i32.add (local.get $cs) (i32.mul (local.get $c) (local.get $bytes))))
              (local.set $ia (i32.load (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
              (local.set $ib (i32.load offset=4 (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
              (local.set $ci (call $rowSum (local.get $W) (local.get $V) (local.get $bytes) (local.get $iFeat) (local.get $iVal)
                (local.get $ia) (local.get $ib) (local.get $co)))
              (f64.store (i32.add (local.get $sc) (i32.shl (local.get $c) (i32.const 3)))
                (f64.add (f64.add (f64.add (local.get $w0) (local.get $cu)) (local.get $ci))
                  (f64.promote_f32 (call $dot (local.get $su) (local.get $co) (local.get $bytes)))))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $C (i32.le_u (local.get $c) (local.get $k))))
        (local.set $total (f64.add (local.get $total)
          (call $lossGrad (local.get $code) (local.get $sc) (local.get $gr) (local.get $ex) (local.get $neg) (local.get $lq)
            (local.get $k) (local.get $invT) (local.get $correct) (local.get $beta))))
        (local.set $G (f64.const 0))
        (local.set $f (i32.const 0))
        (loop $Z
          (v128.store (i32.add (local.get $gu) (local.get $f)) (v128.const i32x4 0 0 0 0))
          (local.set $f (i32.add (local.get $f) (i32.const 16)))
          (br_if $Z (i32.lt_u (local.get $f) (local.get $bytes))))
        ;; Item sides in candidate order, with gradients at the pre-step sums.
        (local.set $c (i32.const 0))
        (loop $U
          (local.set $g (f64.load (i32.add (local.get $gr) (i32.shl (local.get $c) (i32.const 3)))))
          (local.set $item (if (result i32) (i32.eqz (local.get $c))
            (then (i32.load (i32.add (local.get $pos) (i32.shl (local.get $s) (i32.const 2)))))
            (else (i32.load (i32.add (local.get $neg) (i32.shl (i32.sub (local.get $c) (i32.const 1)) (i32.const 2)))))))
          (if (i32.and (f64.ne (local.get $g) (f64.const 0)) (i32.ge_s (local.get $item) (i32.const 0)))
            (then
              (local.set $G (f64.add (local.get $G) (local.get $g)))
              (local.set $co (i32.add (local.get $cs) (i32.mul (local.get $c) (local.get $bytes))))
              (local.set $gv (f32x4.splat (f32.demote_f64 (local.get $g))))
              (local.set $f (i32.const 0))
              (loop $A
                (v128.store (i32.add (local.get $gu) (local.get $f))
                  (f32x4.add (v128.load (i32.add (local.get $gu) (local.get $f)))
                    (f32x4.mul (local.get $gv) (v128.load (i32.add (local.get $co) (local.get $f))))))
                (local.set $f (i32.add (local.get $f) (i32.const 16)))
                (br_if $A (i32.lt_u (local.get $f) (local.get $bytes))))
              (local.set $ia (i32.load (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
              (local.set $ib (i32.load offset=4 (i32.add (local.get $iPtr) (i32.shl (local.get $item) (i32.const 2)))))
              (call $rowUpdate (local.get $W) (local.get $V) (local.get $wacc) (local.get $vacc) (local.get $bytes)
                (local.get $iFeat) (local.get $iVal) (local.get $ia) (local.get $ib)
                (local.get $g) (f32.demote_f64 (local.get $g)) (local.get $su) (f32.demote_f64 (local.get $g)) (local.get $co)
                (local.get $lr) (local.get $l2f) (local.get $l2b))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $U (i32.le_u (local.get $c) (local.get $k))))
        ;; User side: x_m (G s_U,f + Σ_c g_c s_c,f) − G v_mf x_m².
        (call $rowUpdate (local.get $W) (local.get $V) (local.get $wacc) (local.get $vacc) (local.get $bytes)
          (local.get $uFeat) (local.get $uVal) (local.get $ua) (local.get $ub)
          (local.get $G) (f32.demote_f64 (local.get $G)) (local.get $su) (f32.const 1) (local.get $gu)
          (local.get $lr) (local.get $l2f) (local.get $l2b))
        (if (f64.ne (local.get $G) (f64.const 0))
          (then (call $biasStep (local.get $W0) (local.get $w0acc) (local.get $G) (local.get $lr))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $S)))
    (local.get $total))
)
