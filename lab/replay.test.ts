import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startSimulator } from '../sim/index.ts'
import { frameToLine } from '../sim/record.ts'
import { wsBook } from '../sim/wire.ts'
import { createVirtualClock } from './clock.ts'
import { runBacktest } from './run.ts'

/**
 * `--replay`: a journal of market-channel frames (what `mm record` writes: one frame per line, here taken from the
 * simulator's own hub) drives the books; the backtest trades the recording's markets, found from the frames.
 */

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function record(path: string, minutes: number): Promise<string[]> {
  const clock = createVirtualClock(Date.UTC(2026, 0, 5, 12))
  const sim = await startSimulator({ scenario: 'quiet', seed: 5, clock, port: 0 })
  const lines: string[] = []
  for (const m of sim.engine.markets)
    for (const o of [0, 1] as const) lines.push(JSON.stringify(wsBook(m, o, clock.now())))
  sim.hub.tap((t) => {
    const l = frameToLine(t)
    if (l) lines.push(l)
  })
  const end = clock.now() + minutes * 60_000
  while (clock.runNext(end)) {}
  await sim.stop()
  writeFileSync(path, `${lines.join('\n')}\n`)
  return sim.markets.map((m) => m.conditionId)
}

describe('backtest on a recording', () => {
  test('the recording’s markets are quoted from its books', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-replay-'))
    dirs.push(dir)
    const file = join(dir, 'frames.jsonl')
    const recorded = await record(file, 6)
    const r = await runBacktest({
      configFile: join(import.meta.dir, '..', 'mm.config.yaml'),
      overrides: [],
      replay: file,
      seed: 1,
      durationMs: 5 * 60_000,
    })
    expect(r.errors).toEqual([])
    expect(r.markets.map((m) => m.conditionId).sort()).toEqual([...recorded].sort())
    expect(r.ordersSent).toBeGreaterThan(0)
    const quoted = r.samples.flatMap((s) => s.markets.filter((m) => m.bid !== null && m.ask !== null))
    expect(quoted.length).toBeGreaterThan(r.samples.length)
  }, 60_000)
})
