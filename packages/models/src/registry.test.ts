import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createSampler, uniformSampler } from '@decoy/samplers'
import { describeRecommender, plantedSplit } from '@decoy/testkit'
import {
  createModel,
  deserializeModel,
  factorizationMachine,
  item2vec,
  matrixFactorization,
  modelFamilies,
  modelFamily,
  modelKinds,
  validateOptions,
  type FitResult,
  type Model,
} from '@decoy/models'
import { loadModel, saveModel } from '@decoy/models/node'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'

const SRC = dirname(fileURLToPath(import.meta.url))

describe('createModel', () => {
  it('builds every registered kind from its JSON config, and each kind is its own family key', () => {
    expect(modelKinds).toEqual(Object.keys(modelFamilies))
    for (const kind of modelKinds) {
      const m = createModel({ kind })
      expect(m.kind).toBe(kind)
      expect(modelFamily(kind).kind).toBe(kind)
    }
  })

  it('rejects an unknown kind, listing the known ones', () => {
    expect(() => createModel({ kind: 'svd' })).toThrow(/unknown model kind "svd" \(known: mf, fm, item2vec/)
  })

  it('rejects unknown options naming the key, in the factories as in the registry', () => {
    expect(() => matrixFactorization({ factors: 32 } as never)).toThrow(/matrixFactorization: unknown option "factors"/)
    expect(() => factorizationMachine({ fators: 8 } as never)).toThrow(/unknown option "fators"/)
    expect(() => item2vec({ windw: 3 } as never)).toThrow(/unknown option "windw"/)
    expect(() => createModel({ kind: 'mf', factors: 32 })).toThrow(/createModel mf: unknown option "factors"/)
    // The seed has one place, fit: every factory says so.
    for (const kind of modelKinds) expect(() => createModel({ kind, seed: 1 })).toThrow(/unknown option "seed" \(the seed is a fit option/)
  })

  it('checks option types and ranges, naming the key', () => {
    expect(() => createModel({ kind: 'mf', dim: 0 })).toThrow(/dim must be >= 1, got 0/)
    expect(() => createModel({ kind: 'mf', loss: 'hinge' })).toThrow(/loss must be one of bpr, logistic, softmax, warp, gbce/)
    expect(() => createModel({ kind: 'item2vec', window: 'some' })).toThrow(/window must be a positive integer or 'all'/)
    expect(() => createModel({ kind: 'fm', features: 'genres,colour' })).toThrow(/unknown field "colour"/)
  })

  it('custom families plug in like createSampler custom kinds, and may not shadow a built-in kind', async () => {
    // A user's family: MF's registration under another kind, as a new folder would add one.
    const mine = { ...modelFamily('mf'), kind: 'mine' }
    const m = createModel({ kind: 'mine', dim: 4 }, { custom: { mine } })
    const { train } = plantedSplit(5)
    const r = await m.fit(train, { sampler: uniformSampler(), seed: 1, epochs: 1 })
    expect(r.epochs).toHaveLength(1)
    expect(() => createModel({ kind: 'mine' })).toThrow(/unknown model kind "mine"/)
    expect(() => createModel({ kind: 'mf' }, { custom: { mf: mine } })).toThrow(/shadows the built-in kind "mf"/)
  })

  it('aliases are for the edges only (CLI, experiment configs)', () => {
    expect(validateOptions(modelFamily('mf').options, { factors: 8 }, 'cfg', { aliases: true })).toEqual({ dim: 8 })
    expect(() => validateOptions(modelFamily('mf').options, { factors: 8, dim: 8 }, 'cfg', { aliases: true })).toThrow(
      /give dim or factors, not both/,
    )
  })

  it('a model built from its config trains as the factory-built one, bit for bit', async () => {
    const { train } = plantedSplit(3)
    const a = createModel({ kind: 'mf', dim: 8, loss: 'bpr' })
    const b = matrixFactorization({ dim: 8, loss: 'bpr' })
    await a.fit(train, { sampler: uniformSampler(), seed: 5, epochs: 2 })
    await b.fit(train, { sampler: uniformSampler(), seed: 5, epochs: 2 })
    expect(Buffer.from(a.serialize()).equals(Buffer.from(b.serialize()))).toBe(true)
  })
})

describe('one training contract', () => {
  const { train, test } = plantedSplit(11)
  const configs: Record<string, Record<string, unknown>> = {
    mf: { dim: 8 },
    fm: { dim: 8 },
    item2vec: { dim: 8, window: 'all', sample: 0 },
  }

  for (const kind of modelKinds) {
    it(`${kind}: fit returns one FitResult; onEpoch → false stops; the seed is required in fit`, async () => {
      const seen: number[] = []
      const m = createModel({ kind, ...(configs[kind] ?? {}) })
      await expect(m.fit(train, { sampler: uniformSampler(), epochs: 1 })).rejects.toThrow(/seed is required/)
      const r: FitResult = await m.fit(train, {
        sampler: uniformSampler(),
        seed: 1,
        epochs: 5,
        onEpoch: (e) => {
          seen.push(e.epoch)
          return e.epoch < 1
        },
      })
      expect(seen).toEqual([0, 1])
      expect(r.epochs).toHaveLength(2)
      expect(r.bestEpoch).toBe(1)
      expect(r.updates).toBeGreaterThan(0)
      expect(r.trainSeconds).toBeGreaterThan(0)
      expect(r.epochs[0].slots).toBeGreaterThan(0)
      expect(['wasm', 'js']).toContain(r.kernel)
      expect(r.config.model).toBe(kind)
      expect(r.config.seed).toBe('1')
    })

    it(`${kind}: early stopping on validation restores the best epoch`, async () => {
      const m: Model = createModel({ kind, ...(configs[kind] ?? {}) })
      // A scripted metric: best after epoch 1, then worse, so training stops after `patience` epochs.
      const script = [0.1, 0.5, 0.3, 0.2, 0.1, 0.05]
      let calls = 0
      let atBest: Int32Array | null = null
      const probe = Int32Array.of(0, 1, 2)
      const r = await m.fit(train, {
        sampler: uniformSampler(),
        seed: 2,
        epochs: 6,
        validation: test,
        evaluateFn: ({ model, train: t, validation }) => {
          expect(t).toBe(train)
          expect(validation).toBe(test)
          if (calls === 1) atBest = model.recommend(probe, 5).items.slice()
          return { 'ndcg@10': script[calls++] }
        },
        earlyStopping: { patience: 2 },
      })
      expect(r.epochs).toHaveLength(4)
      expect(r.bestEpoch).toBe(1)
      expect(r.epochs.map((e) => e.validation!['ndcg@10'])).toEqual([0.1, 0.5, 0.3, 0.2])
      expect(Array.from(m.recommend(probe, 5).items)).toEqual(Array.from(atBest!))
    })
  }

  it('loadModel returns the model with its id maps', async () => {
    const m = createModel({ kind: 'item2vec', dim: 8 })
    await m.fit(train, { sampler: uniformSampler(), seed: 3, epochs: 1 })
    const path = join(mkdtempSync(join(tmpdir(), 'decoy-reg-')), 'm.arrow')
    saveModel(m, path)
    const back = loadModel(path)
    expect(back.kind).toBe('item2vec')
    expect(back.userIds.size).toBe(train.numUsers)
    expect(back.itemIds.external(0)).toEqual(train.itemIds.external(0))
    expect(Array.from(back.recommend(Int32Array.of(0), 5).items)).toEqual(Array.from(m.recommend(Int32Array.of(0), 5).items))
  })
})

describe('no generic layer imports a concrete model', () => {
  const families = modelKinds.map((k) => k + '/')
  const generic = ['train', 'persist', 'node', 'losses', 'optim', 'wasm', 'model.ts', 'schema.ts', 'similar.ts']
  const files = (p: string): string[] => {
    const full = join(SRC, p)
    let st
    try {
      st = statSync(full)
    } catch {
      return []
    }
    if (!st.isDirectory()) return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : []
    return readdirSync(full).flatMap((f) => files(join(p, f)))
  }
  // Entry points (node/index.ts) list what a package publishes; they are not layers.
  it.each(generic.flatMap(files).filter((f) => !f.endsWith('index.ts')))('%s', (file) => {
    const text = readFileSync(join(SRC, file), 'utf8')
    const bad: string[] = []
    for (const m of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = relative(SRC, join(SRC, dirname(file), m[1]))
      if (families.some((f) => target.startsWith(f))) bad.push(target)
    }
    expect(bad).toEqual([])
  })
})

describeRecommender('item2vec', {
  make: () => item2vec({ dim: 16, window: 'all', sample: 0 }),
  uniform: () => uniformSampler(),
  hard: () => createSampler({ kind: 'hard' }),
  fitOptions: { epochs: 5 },
  serialize: (m) => m.serialize(),
  deserialize: (b) => deserializeModel(b),
})
