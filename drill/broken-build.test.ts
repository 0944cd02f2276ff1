import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'bun'

/**
 * The drill catches a defect it was not told about: `--broken-build duplicate-fills` runs the daemon with a persist
 * plugin that records every fill a second time (drill/testing/duplicating-persist.ts). The drill must fail and
 * list those fills by trade id, and flag nothing else as doubled.
 */
const ROOT = join(import.meta.dir, '..')
const out = mkdtempSync(join(tmpdir(), 'mm-drill-broken-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

test('a drill of a build that does not deduplicate fills fails, with the offending trade ids listed', async () => {
  const proc = spawn(
    [
      'bun',
      join(ROOT, 'pipeline/cli/main.ts'),
      'drill',
      '--config',
      join(ROOT, 'mm.config.yaml'),
      '--duration',
      '30s',
      '--faults',
      '8',
      '--kills',
      '0',
      '--seed',
      '11',
      '--out',
      out,
      '--broken-build',
      'duplicate-fills',
    ],
    { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, NO_COLOR: '1' } },
  )
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  expect(code).toBe(1)
  const report = JSON.parse(readFileSync(join(out, 'drill.json'), 'utf8')) as {
    verdict: string
    fills: { exchange: number; doubled: Array<{ tradeId: string; orderId: string }> }
  }
  expect(report.verdict).toBe('fail')
  expect(report.fills.exchange).toBeGreaterThan(0)
  expect(report.fills.doubled.length).toBeGreaterThan(0)
  // Exactly the injected defect: every doubled row is a second record of a real fill.
  for (const d of report.fills.doubled) expect(d.orderId.endsWith('-again')).toBe(true)
  expect(stdout).toMatch(/FAIL fills doubled\s+\d+/)
  expect(stdout).toContain('doubled fills:')
  for (const d of report.fills.doubled.slice(0, 50)) expect(stdout).toContain(d.tradeId)
}, 150_000)
