import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { main } from '../pipeline/cli/main.ts'

/** `mm backtest` through the CLI entry: bad input is refused in one line, a short run writes the report files. */

const ROOT = join(import.meta.dir, '..')
const CONFIG = join(ROOT, 'mm.config.yaml')
const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function run(args: string[]) {
  let out = ''
  let err = ''
  const code = await main(['backtest', ...args], {
    stdout: (t) => {
      out += t
    },
    stderr: (t) => {
      err += t
    },
    isTTY: false,
  })
  return { code, out, err }
}

describe('mm backtest: bad input', () => {
  test.each([
    [['--duration', '0'], /--duration 0/],
    [['--scenario', 'no-such-scenario'], /scenario not found: no-such-scenario/],
    [['--seeds', '5..1'], /--seeds 5\.\.1: the range is empty/],
    [['--seeds', 'x'], /--seeds x/],
    [['--config', '/nonexistent.yaml'], /config file not found/],
  ])('%p → one line, exit 2', async (args, message) => {
    const r = await run(['--config', CONFIG, ...args])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(message)
    expect(r.err.trim().split('\n')).toHaveLength(1)
  })

  test('an unknown --set path is a config error naming the path', async () => {
    const r = await run(['--config', CONFIG, '--set', 'pipeline.spread.with.k_volume=2'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('pipeline.spread.with.k_volume')
  })

  test('a --set value of the wrong type is a config error naming the path', async () => {
    const r = await run(['--config', CONFIG, '--set', 'pipeline.spread.with.k_vol=fast'])
    expect(r.code).toBe(1)
    expect(r.err).toContain('pipeline.spread.with.k_vol')
  })
})

describe('mm backtest: a short sweep', () => {
  // Skipped, known defect (issue 12, open): since the production-strict simulator and executor were merged,
  // in-process backtest runs stall intermittently (idle, not looping: they wait on something the virtual clock does
  // not drive; which runs stall varies from one attempt to the next). A sweep of four runs almost always meets
  // one, and the suite must not hang on it. Unskip once the stall is found.
  test.skip('two --set values × two seeds: table best first, summary.json in the stable shape, fills.csv, report.html', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mm-bt-'))
    dirs.push(out)
    const r = await run([
      '--config',
      CONFIG,
      '--scenario',
      'quiet',
      '--duration',
      '3m',
      '--seeds',
      '1..2',
      '--set',
      'pipeline.spread.with.k_vol=1.5,3',
      '--out',
      out,
    ])
    expect(r.err).not.toContain('failed')
    expect(r.code).toBe(0)
    expect(r.out).toContain('scenario quiet')
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
      variants: {
        name: string
        scenario: string
        seeds: number[]
        metrics: Record<string, { mean: number; ci95: number[]; per_seed: number[] }>
      }[]
    }
    expect(summary.variants.map((v) => v.name).sort()).toEqual(['mm.config k_vol=1.5', 'mm.config k_vol=3'])
    for (const v of summary.variants) {
      expect(v.scenario).toBe('quiet')
      expect(v.seeds).toEqual([1, 2])
      for (const k of [
        'pnl_net_usd',
        'rewards_est_usd',
        'fees_usd',
        'fills',
        'volume_usd',
        'markout_3s',
        'markout_10s',
        'markout_30s',
        'max_abs_inventory_usd',
        'two_sided_uptime',
      ]) {
        expect(v.metrics[k]?.per_seed).toHaveLength(2)
        expect(Object.keys(v.metrics[k] ?? {}).sort()).toEqual(['ci95', 'mean', 'per_seed'])
      }
    }
    const means = summary.variants.map((v) => v.metrics.pnl_net_usd?.mean ?? 0)
    expect(means[0]).toBeGreaterThanOrEqual(means[1] ?? 0)
    // The table lists the variants in the same order, best first.
    const first = r.out.indexOf(summary.variants[0]?.name ?? '?')
    const second = r.out.indexOf(summary.variants[1]?.name ?? '?')
    expect(first).toBeGreaterThan(0)
    expect(second).toBeGreaterThan(first)
    const csv = readFileSync(join(out, 'fills.csv'), 'utf8').trim().split('\n')
    expect(csv[0]).toStartWith('variant,scenario,seed,time_iso,market')
    const fills = summary.variants.reduce((a, v) => a + (v.metrics.fills?.per_seed ?? []).reduce((x, y) => x + y, 0), 0)
    expect(csv.length - 1).toBeGreaterThanOrEqual(fills)
    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html).toContain('uPlot')
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']?http/)
  }, 60_000)
})

describe('mm backtest: config files', () => {
  test('a config with a wrong type in a plugin is reported with its path before anything runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-bt-'))
    dirs.push(dir)
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, readFileSync(CONFIG, 'utf8').replace(/layers: \d+/, 'layers: two'))
    const r = await run(['--config', file])
    expect(r.code).toBe(1)
    expect(r.err).toContain('pipeline.layer.with.layers')
  })
})
