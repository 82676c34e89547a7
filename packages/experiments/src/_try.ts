import { runExperiment } from './index.js'
const t0 = Date.now()
const r = await runExperiment(process.argv[2], { out: process.argv[3], log: console.error, workers: Number(process.argv[4] ?? 1) })
console.error('ran', r.ran.length, 'skipped', r.skipped.length, (Date.now() - t0) / 1000)
