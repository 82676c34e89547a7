import { createSampler, samplerKinds } from '@decoy/samplers/registry'
import { describeSampler } from '@decoy/testkit'

// Every registered kind that fills the per-slot buffer, at its defaults and without exclusion
// (`all` fills only the batch-shared block: shared.test.ts).
for (const kind of samplerKinds) {
  if (createSampler({ kind }).requires.shared === 'only') continue
  describeSampler(kind, () => createSampler({ kind }), { create: createSampler, random: (kind as string) !== 'in-batch' })
  describeSampler(`${kind} (no exclusion)`, () => createSampler({ kind, excludePositives: false }), {
    create: createSampler,
    random: (kind as string) !== 'in-batch',
  })
}
