import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMarkets, loadScenario, parseScenario } from '../../sim/scenario.ts'
import { summarizeProfile } from './cpu-profile.ts'
import { scanLog } from './log-scan.ts'
import { bucketQuantile, histogramDelta, parsePrometheus } from './prometheus.ts'
import { generateScenario } from './scenario.ts'

const dir = mkdtempSync(join(tmpdir(), 'mm-scale-test-'))

describe('generated scenario', () => {
  test('500 markets the simulator accepts (YAML without aliases), with distinct condition ids and tokens, flow copied from the default', () => {
    const g = generateScenario(500, 2500)
    const scenario = parseScenario(g.yaml, 'generated')
    const markets = buildMarkets(scenario, 0)
    expect(markets).toHaveLength(500)
    expect(new Set(markets.map((m) => m.conditionId)).size).toBe(500)
    expect(new Set(markets.flatMap((m) => m.tokens)).size).toBe(1000)
    expect(scenario.initial_balance_usd).toBe(500 * 2500)
    // The templates (the default scenario's markets) repeat: market n + 1 is the second one (btc-above-150k) again,
    // same tick and maker flow.
    const n = loadScenario('default').markets.length
    expect(scenario.markets[n + 1]?.tick_size).toBe(0.001)
    expect(scenario.markets[n + 1]?.dynamics.makers.count).toBe(3)
  })
})

describe('reading /metrics', () => {
  const at = (b1: number, b2: number, inf: number, sum: number) =>
    parsePrometheus(
      [
        '# TYPE mm_quote_to_order_seconds histogram',
        `mm_quote_to_order_seconds_bucket{le="0.01"} ${b1}`,
        `mm_quote_to_order_seconds_bucket{le="1"} ${b2}`,
        `mm_quote_to_order_seconds_bucket{le="+Inf"} ${inf}`,
        `mm_quote_to_order_seconds_sum ${sum}`,
        `mm_quote_to_order_seconds_count ${inf}`,
      ].join('\n'),
    )
  test('quantiles come from the window only, as the bound of the bucket that holds them', () => {
    // Before the window: 100 fast observations. In it: 10 fast, 80 under 1 s, 10 beyond the last bucket.
    const h = histogramDelta(at(100, 100, 100, 0.5), at(110, 190, 200, 40.5), 'mm_quote_to_order_seconds')!
    expect(h.count).toBe(100)
    expect(h.sum).toBeCloseTo(40)
    expect(bucketQuantile(h, 0.05)).toEqual({ upTo: 0.01 })
    expect(bucketQuantile(h, 0.5)).toEqual({ upTo: 1 })
    expect(bucketQuantile(h, 0.99)).toEqual({ above: 1 })
  })
})

describe('CPU profile summary', () => {
  test('self time is attributed to the sampled function, total time to its callers', () => {
    const root = join(import.meta.dir, '..', '..')
    const url = `file://${root}/plugins/execute/clob/executor.ts`
    const profile = {
      startTime: 0,
      endTime: 4_000_000,
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2] },
        { id: 2, callFrame: { functionName: 'run', url, lineNumber: 9 }, children: [3] },
        { id: 3, callFrame: { functionName: 'openOf', url, lineNumber: 99 } },
      ],
      samples: [3, 3, 3, 2],
    }
    const file = join(dir, 'p.cpuprofile')
    writeFileSync(file, JSON.stringify(profile))
    const s = summarizeProfile(file)
    expect(s.samples).toBe(4)
    expect(s.self[0]).toEqual({ where: 'plugins/execute/clob/executor.ts:100 openOf', samples: 3, percent: 75 })
    expect(s.total.find((r) => r.where.endsWith(' run'))?.percent).toBe(100)
  })
})

describe('daemon log scan', () => {
  test('counts only the window, by what the daemon logs', () => {
    const line = (t: string, level: string, msg: string) => JSON.stringify({ time: t, level, msg })
    const file = join(dir, 'mm.log')
    writeFileSync(
      file,
      [
        line(
          '2026-01-01T00:00:00.000Z',
          'warn',
          'exchange heartbeat failed (1 in a row): heartbeat: no answer after 5000 ms',
        ),
        line(
          '2026-01-01T00:01:00.000Z',
          'warn',
          'exchange heartbeat failed (1 in a row): heartbeat: no answer after 5000 ms',
        ),
        line('2026-01-01T00:01:01.000Z', 'info', 'order 0xabc… rejected: invalid post-only order: order crosses book'),
        line('2026-01-01T00:01:02.000Z', 'error', 'something broke'),
      ].join('\n'),
    )
    const c = scanLog(file, Date.parse('2026-01-01T00:00:30Z'), Date.parse('2026-01-01T00:02:00Z'))
    expect(c).toMatchObject({ heartbeatFailures: 1, requestTimeouts: 1, postOnlyRejections: 1, errors: 1, lines: 3 })
  })
})
