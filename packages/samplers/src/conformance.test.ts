import { createSampler, samplerKinds } from '@decoy/samplers/registry'
import { describeSampler } from '@decoy/testkit'

// Every registered kind, at its defaults and without exclusion.
for (const kind of samplerKinds) {
  describeSampler(kind, () => createSampler({ kind }), { create: createSampler, random: (kind as string) !== 'in-batch' })
  describeSampler(`${kind} (no exclusion)`, () => createSampler({ kind, excludePositives: false }), { create: createSampler, random: (kind as string) !== 'in-batch' })
}
