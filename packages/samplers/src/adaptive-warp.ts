/**
 * The adaptive sampler's WARP variant: batched searches for a violating negative, reporting the
 * trials for the rank weight (`adaptiveSampler` in adaptive.ts documents the rule).
 */
import {
  scorePairs,
  type Batch,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerContext,
  type SamplerStats,
  type Scorer,
} from '@decoy/core'
import { variantCheck, type AdaptiveConfig, type AdaptiveOptions } from './adaptive-config.js'
import { checkSampleArgs, commonFields, enumField, numberField } from './config.js'
import { buildExclusion, isPositive, type Exclusion } from './exclusion.js'
import { warpFillCandidates } from './kernels/warp-search.js'
import { SamplerStatsCounter } from './stats.js'

const EMPTY_I32 = new Int32Array(0)
/** (lane, candidate) pairs scored per batched call of the WARP search. */
const WARP_PAIR_BUDGET = 16384
const EMPTY_U32 = new Uint32Array(0)

/** WARP search (`variant: 'warp'`). @internal */
export class WarpSampler implements NegativeSampler<AdaptiveConfig> {
  readonly config: AdaptiveConfig
  readonly requires = { scorer: true }
  private readonly counter = new SamplerStatsCounter()
  private ex: Exclusion | null = null
  private scorer: Scorer | null = null
  private state: Uint32Array = new Uint32Array(4)
  private numItems = 0
  private userLogQ = new Float32Array(0)
  private readonly tally = new Float64Array(6)
  private exhausted = 0
  // Batched search state, sized at the first sample (lanes = slots·k searches).
  private laneCap = 0
  private laneUser = new Int32Array(0)
  private lanePos = new Int32Array(0)
  private laneTrain = new Uint8Array(0)
  private laneThreshold = new Float32Array(0)
  private laneN = new Int32Array(0)
  private laneItem = new Int32Array(0)
  private active = new Int32Array(0)
  private roundFrom = new Int32Array(0)
  private pairUsers = new Int32Array(WARP_PAIR_BUDGET)
  private pairItems = new Int32Array(WARP_PAIR_BUDGET)
  private pairScores = new Float32Array(WARP_PAIR_BUDGET)

  constructor(options: AdaptiveOptions) {
    variantCheck(options, 'warp')
    const margin = numberField(options, 'adaptive', 'margin', 1, { min: 0 })
    const maxSampled = numberField(options, 'adaptive', 'maxSampled', 100, { min: 1, max: 10_000_000, integer: true })
    const trialsOf = enumField(options, 'adaptive', 'trialsOf', ['first', 'mean'] as const, 'first')
    this.config = { kind: 'adaptive', variant: 'warp', margin, maxSampled, trialsOf, ...commonFields(options, 'adaptive') }
  }

  private ensureLanes(n: number): void {
    if (this.laneCap >= n) return
    this.laneCap = n
    this.laneUser = new Int32Array(n)
    this.lanePos = new Int32Array(n)
    this.laneTrain = new Uint8Array(n)
    this.laneThreshold = new Float32Array(n)
    this.laneN = new Int32Array(n)
    this.laneItem = new Int32Array(n)
    this.active = new Int32Array(n)
    this.roundFrom = new Int32Array(n)
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    if (ctx.scorer == null) throw new Error("adaptive sampler (warp): needs the model's scorer (requires.scorer); got scorer: null")
    if (!(train.numItems > 1)) throw new Error('adaptive sampler (warp): the training data needs at least 2 items')
    this.scorer = ctx.scorer
    this.numItems = train.numItems
    this.state = ctx.rng.state
    this.counter.reset()
    this.exhausted = 0
    const lq = new Float32Array(train.numUsers)
    if (this.config.excludePositives) {
      this.ex = buildExclusion(train, 'adaptive', { allowMasked: this.config.allowMasked })
      for (let u = 0; u < train.numUsers; u++) {
        const m = train.numItems - (train.indptr[u + 1] - train.indptr[u])
        lq[u] = m > 0 ? -Math.log(m) : 0
      }
    } else {
      this.ex = null
      lq.fill(-Math.log(train.numItems - 1))
    }
    this.userLogQ = lq
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('adaptive', this.scorer !== null, batch.size, out.capacity)
    const scorer = this.scorer as Scorer
    const size = batch.size
    const k = out.k
    const items = out.items
    const logQ = out.logQ
    const trials = out.trials
    const users = batch.users
    const positives = batch.positives
    const ex = this.ex
    const exclude = ex !== null
    const indptr = ex !== null ? ex.indptr : EMPTY_I32
    const rows = ex !== null ? ex.items : EMPTY_I32
    const bitOffset = ex !== null ? ex.bitOffset : EMPTY_I32
    const bits = ex !== null ? ex.bits : EMPTY_U32
    const numItems = this.numItems
    const margin = this.config.margin as number
    const maxSampled = this.config.maxSampled as number
    const mean = this.config.trialsOf === 'mean'
    const maxRetries = this.config.maxTrials as number
    const state = this.state
    const tally = this.tally
    const userLogQ = this.userLogQ
    const pu = this.pairUsers
    const pi = this.pairItems
    const ps = this.pairScores
    tally.fill(0)
    let drawn = 0
    let masked = 0
    let trialSum = 0
    let exhausted = 0
    // Slots are run in blocks of whole slots whose searches fit the pair budget's positive pass.
    const slotsPerBlock = Math.max(1, Math.floor(WARP_PAIR_BUDGET / Math.max(k, 1)))
    this.ensureLanes(Math.min(size, slotsPerBlock) * k)
    const laneUser = this.laneUser
    const lanePos = this.lanePos
    const laneTrain = this.laneTrain
    const laneThreshold = this.laneThreshold
    const laneN = this.laneN
    const laneItem = this.laneItem
    const active = this.active
    const roundFrom = this.roundFrom
    for (let s0 = 0; s0 < size; s0 += slotsPerBlock) {
      const s1 = Math.min(size, s0 + slotsPerBlock)
      // The positives' scores x_ui, one batched call.
      const np = s1 - s0
      for (let s = 0; s < np; s++) {
        pu[s] = users[s0 + s]
        pi[s] = positives[s0 + s]
      }
      scorePairs(scorer, pu, pi, np, ps)
      let lanes = 0
      for (let s = s0; s < s1; s++) {
        const u = users[s]
        const i = positives[s]
        const positiveIsTrain = exclude && isPositive(indptr, rows, bitOffset, bits, u, i)
        const free = exclude ? numItems - (indptr[u + 1] - indptr[u]) - (positiveIsTrain ? 0 : 1) : numItems - 1
        if (free <= 0) {
          for (let d = 0; d < k; d++) laneItem[lanes + d] = -2 // masked slot
          lanes += k
          continue
        }
        const threshold = ps[s - s0] - margin
        for (let d = 0; d < k; d++) {
          const l = lanes + d
          laneUser[l] = u
          lanePos[l] = i
          laneTrain[l] = positiveIsTrain ? 1 : 0
          laneThreshold[l] = threshold
          laneN[l] = 0
          laneItem[l] = -1
          active[l] = 0
        }
        lanes += k
      }
      let na = 0
      for (let l = 0; l < lanes; l++) if (laneItem[l] === -1) active[na++] = l
      // Rounds: each running search draws its next chunk; one scorePairs call per round.
      for (let round = 0; na > 0; round++) {
        const cap = Math.max(1, Math.min(1 << Math.min(round, 30), Math.floor(WARP_PAIR_BUDGET / na)))
        let np2 = 0
        let kept = 0
        for (let a = 0; a < na; a++) {
          const l = active[a]
          const c = Math.min(cap, maxSampled - laneN[l])
          if (np2 + c > WARP_PAIR_BUDGET) {
            active[kept++] = l // no room this round: it waits for the next
            roundFrom[l] = -1
            continue
          }
          roundFrom[l] = np2
          const u = laneUser[l]
          warpFillCandidates(
            pi,
            np2,
            c,
            u,
            lanePos[l],
            laneTrain[l] === 1,
            exclude,
            indptr,
            rows,
            bitOffset,
            bits,
            numItems,
            maxRetries,
            state,
            tally,
          )
          pu.fill(laneUser[l], np2, np2 + c)
          np2 += c
          active[kept++] = l
        }
        tally[0] += np2
        scorePairs(scorer, pu, pi, np2, ps)
        let next = 0
        for (let a = 0; a < kept; a++) {
          const l = active[a]
          const from = roundFrom[l]
          if (from < 0) {
            active[next++] = l
            continue
          }
          const c = Math.min(cap, maxSampled - laneN[l])
          const thr = laneThreshold[l]
          let hit = -1
          for (let q = 0; q < c; q++) {
            if (ps[from + q] > thr) {
              hit = q
              break
            }
          }
          if (hit >= 0) {
            const x = ps[from + hit]
            laneItem[l] = pi[from + hit]
            const n = laneN[l]
            laneN[l] = n + hit + 1
            // Hardness: earlier candidates of the search are ≤ threshold < x, hence below x; of this
            // round's later ones count those below x. Percentile among the n + c scored.
            const scored = n + c
            if (scored > 1) {
              let below = n + hit
              for (let q = hit + 1; q < c; q++) if (ps[from + q] < x) below++
              tally[4] += below / (scored - 1)
              tally[5]++
            }
          } else {
            laneN[l] += c
            if (laneN[l] >= maxSampled) {
              laneItem[l] = -3 // exhausted
              laneN[l] = maxSampled
            } else active[next++] = l
          }
        }
        na = next
      }
      // Write the slots.
      for (let s = s0, l = 0; s < s1; s++, l += k) {
        const base = s * k
        if (laneItem[l] === -2) {
          for (let d = 0; d < k; d++) {
            items[base + d] = -1
            logQ[base + d] = 0
          }
          masked += k
          trials[s] = maxSampled
          trialSum += maxSampled
          continue
        }
        const lq = userLogQ[users[s]]
        let sum = 0
        for (let d = 0; d < k; d++) {
          const j = laneItem[l + d]
          if (j >= 0) {
            items[base + d] = j
            logQ[base + d] = lq
            drawn++
          } else {
            items[base + d] = -1
            logQ[base + d] = 0
            masked++
            exhausted++
          }
          sum += laneN[l + d]
        }
        const t = mean ? Math.max(1, Math.round(sum / k)) : laneN[l]
        trials[s] = t
        trialSum += t
      }
    }
    this.exhausted += exhausted
    // tally: [0] candidates counted as trials, [1] rejected positives, [3] fallbacks.
    this.counter.add(drawn, tally[0] + tally[1], tally[1], size, trialSum, masked, tally[3])
    this.counter.addHardness(tally[4], tally[5])
  }

  stats(): SamplerStats {
    const s = this.counter.snapshot()
    return { ...s, exhausted: this.exhausted }
  }
}
