import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadScenario } from '../sim/index.ts'
import { seen } from './fixtures/input-probe.ts'
import { runBacktest } from './run.ts'

/** Trade ticks and our fills reach the fair-value stage in a real pipeline run (clob-ws trade window, account). */

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('stage inputs', () => {
  test('a fair-value plugin sees the market trades and our fills during a backtest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-inputs-'))
    dirs.push(dir)
    const probe = join(import.meta.dir, 'fixtures', 'input-probe.ts')
    const text = readFileSync(join(import.meta.dir, '..', 'mm.config.yaml'), 'utf8').replace(
      /fair-value: \{[^\n]*\}/,
      `fair-value: { use: ${probe} }`,
    )
    expect(text).toContain(probe)
    const file = join(dir, 'probe.yaml')
    writeFileSync(file, text)
    const r = await runBacktest({
      configFile: file,
      overrides: [],
      scenario: loadScenario('jumpy'),
      seed: 2,
      durationMs: 5 * 60_000,
    })
    expect(r.errors).toEqual([])
    expect(r.fills.length).toBeGreaterThan(0)
    expect(seen.runs).toBeGreaterThan(100)
    expect(seen.withTrades).toBeGreaterThan(0)
    expect(seen.withFills).toBeGreaterThan(0)
  }, 60_000)
})
