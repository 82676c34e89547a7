import { splitRandom } from '@decoy/core'
import { loadDataset } from '@decoy/datasets'
import { evaluate } from '@decoy/eval'
import { alternatingLeastSquares } from '@decoy/models'

const ds = await loadDataset('ml-latest-small', { dir: '/work/shared/datasets', download: false })
const { train, test } = splitRandom(ds.interactions, { testFraction: 0.2, seed: 42 })
console.log(train.numUsers, train.numItems, train.items.length)
const args = process.argv.slice(2)
const kernel = (args[0] ?? 'wasm') as 'wasm' | 'js'
const alpha = Number(args[1] ?? 2)
const reg = Number(args[2] ?? 30)
const iters = Number(args[3] ?? 30)
const cg = Number(args[4] ?? 3)
const m = alternatingLeastSquares({ dim: 64, reg, alpha, iterations: iters, cgSteps: Math.max(cg, 1) })
const r = await m.fit(train, { seed: 42, kernel, solver: cg === 0 ? 'cholesky' : 'cg', cgSteps: Math.max(cg, 1) })
const ev = evaluate(m, train, test, { k: [10, 20] })
console.log(kernel, 'alpha', alpha, 'reg', reg, 'iters', iters, 'cg', cg, 'time', r.trainSeconds.toFixed(3), 's/it', (r.trainSeconds / iters).toFixed(4), JSON.stringify(ev.metrics))
