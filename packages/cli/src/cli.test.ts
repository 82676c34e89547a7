import { describe, expect, it } from 'vitest'
import { parseCommandArgs } from './args.js'
import { UsageError, formatError, isUserError } from './errors.js'
import { captureIo, type CliIo } from './io.js'
import { main } from './main.js'
import { createProgress } from './progress.js'

describe('args', () => {
  const opts = [
    { name: 'k', type: 'string', description: '' },
    { name: 'lr', type: 'string', description: '' },
    { name: 'json', type: 'boolean', description: '' },
  ] as const
  it('parses typed values and rejects bad ones naming the flag', () => {
    const a = parseCommandArgs('eval', ['--k', '20,10,10', '--lr', '0.5', '--json'], opts)
    expect(a.intList('k', [])).toEqual([10, 20])
    expect(a.num('lr')).toBe(0.5)
    expect(a.bool('json')).toBe(true)
    expect(() => parseCommandArgs('eval', ['--k', '0'], opts).intList('k', [])).toThrow(/--k/)
    expect(() => parseCommandArgs('eval', ['--lr', 'NaN'], opts).num('lr')).toThrow(/--lr/)
    expect(() => parseCommandArgs('eval', ['--nope'], opts)).toThrow(UsageError)
    expect(() => parseCommandArgs('eval', ['stray'], opts)).toThrow(UsageError)
  })
})

describe('errors', () => {
  it('formats located errors once and classifies user errors', () => {
    const e = Object.assign(new Error('bad value'), { source: 'a.csv', line: 3, field: 'rating' })
    expect(formatError(e)).toBe('a.csv, line 3, field "rating": bad value')
    expect(isUserError(e)).toBe(true)
    expect(isUserError(new TypeError('x is undefined'))).toBe(false)
  })

  it('unknown commands exit 2 with one line; --help exits 0', async () => {
    const io = captureIo()
    expect(await main(['nope'], io)).toBe(2)
    expect(io.err).toMatch(/^decoy: unknown command "nope"/)
    const help = captureIo()
    expect(await main(['split', '--help'], help)).toBe(0)
    expect(help.out).toMatch(/^Usage: decoy split/)
  })
})

describe('progress', () => {
  it('draws on a terminal only', () => {
    let err = ''
    const tty: CliIo = { stdout: () => {}, stderr: (t) => (err += t), stderrIsTTY: true, env: {} }
    const bar = createProgress(tty, 'train', 4)
    bar.update(4)
    bar.done()
    expect(err).toMatch(/train \[#+\] 100%/)
    expect(err).toMatch(/ETA/)
    const pipe = captureIo()
    const quiet = createProgress(pipe, 'train', 4)
    quiet.update(4)
    quiet.done()
    expect(pipe.err).toBe('')
  })
})
