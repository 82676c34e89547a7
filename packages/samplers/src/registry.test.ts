import { describe, expect, it } from 'vitest'
import { type NegativeSampler, type SamplerConfig } from '@decoy/core'
import { createSampler, samplerKinds, uniformSampler } from '@decoy/samplers'
import { createSampler as fromSubpath } from '@decoy/samplers/registry'

describe('registry', () => {
  it('is the same function from both entries', () => {
    expect(fromSubpath).toBe(createSampler)
  })

  it('lists every built-in kind', () => {
    for (const kind of ['uniform', 'random', 'popularity', 'hard', 'dynamic', 'adaptive', 'in-batch', 'mixed'])
      expect(samplerKinds).toContain(kind)
  })

  it('fills defaults so configs round-trip', () => {
    for (const kind of samplerKinds) {
      const s = createSampler({ kind })
      expect(s.config.kind).toBe(kind)
      expect(createSampler(JSON.parse(JSON.stringify(s.config)) as SamplerConfig).config).toEqual(s.config)
    }
    expect(createSampler({ kind: 'popularity' }).config).toMatchObject({ alpha: 0.75, smoothing: 0, excludePositives: true })
  })

  it('names the known kinds on an unknown one', () => {
    expect(() => createSampler({ kind: 'unifrom' })).toThrow(/unknown sampler kind "unifrom" \(known: "uniform", "random", "popularity"/)
  })

  it('rejects unknown and ill-typed fields, naming them', () => {
    expect(() => createSampler({ kind: 'popularity', alpah: 1 })).toThrow(/popularity sampler: unknown config field "alpah"/)
    expect(() => createSampler({ kind: 'popularity', alpha: 'x' })).toThrow(/field "alpha" must be a finite number/)
    expect(() => createSampler({ kind: 'uniform', maxTrials: 0 })).toThrow(/field "maxTrials" must be an integer from 1 to 1000000, got 0/)
  })

  it('plugs in a custom kind without editing the package', () => {
    const custom = {
      mine: (c: SamplerConfig): NegativeSampler => {
        const inner = uniformSampler({ excludePositives: c.excludePositives as boolean | undefined })
        return {
          ...inner,
          config: c,
          requires: inner.requires,
          prepare: (x) => inner.prepare(x),
          sample: (b, o) => inner.sample(b, o),
          stats: () => inner.stats(),
        }
      },
    }
    const s = createSampler({ kind: 'mine', excludePositives: false }, { custom })
    expect(s.config).toEqual({ kind: 'mine', excludePositives: false })
    expect(() => createSampler({ kind: 'nope' }, { custom })).toThrow(/known: .*"mine"/)
    expect(() => createSampler({ kind: 'uniform' }, { custom: { uniform: custom.mine } })).toThrow(/shadows the built-in/)
  })
})
