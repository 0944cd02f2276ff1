import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Subprocess, spawn } from 'bun'

/**
 * The daemon as a user runs it: `bun pipeline/cli/main.ts --config …` as a child process, on the embedded
 * default (simulator, file source, every built-in), in a scratch directory.
 */
const ROOT = join(import.meta.dir, '..')
const dirs: string[] = []

function scratchConfig(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mm-e2e-'))
  dirs.push(dir)
  const text = readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')
    .replace('port: 9108', 'port: 0')
    .replace('path: ./markets.csv', `path: ${join(ROOT, 'markets.csv')}`)
  const file = join(dir, 'mm.config.yaml')
  writeFileSync(file, text)
  return { dir, file }
}

async function readUntil(
  proc: Subprocess<'ignore', 'pipe', 'pipe'>,
  pattern: RegExp,
  out: { text: string },
  ms = 20_000,
) {
  const reader = proc.stdout.getReader()
  const deadline = Date.now() + ms
  try {
    while (!pattern.test(out.text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got:\n${out.text}`)
      const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => undefined)])
      if (!chunk || chunk.done) break
      out.text += new TextDecoder().decode(chunk.value)
    }
  } finally {
    reader.releaseLock()
  }
  return pattern.exec(out.text)
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('the daemon process', () => {
  test('starts on the embedded default, says what it built, quotes, and stops cleanly on SIGINT', async () => {
    const { dir, file } = scratchConfig()
    const proc = spawn(['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file], {
      cwd: dir,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, NO_COLOR: '1' },
    })
    const out = { text: '' }
    const port = (await readUntil(proc, /HTTP API on http:\/\/127\.0\.0\.1:(\d+)/, out))?.[1]
    await readUntil(proc, /Market selection update complete/, out)
    expect(out.text).toContain('pipeline built (generation 1)')
    for (const plugin of [
      'sim-markets',
      'gamma',
      'clob-ws',
      'ewma-microprice',
      'vol-spread',
      'inventory-skew',
      'caps',
      'layered',
      'clob',
      'sqlite',
    ]) {
      expect(out.text).toContain(plugin)
    }
    expect(out.text).toContain('Initial market selection: 4 markets loaded from sim-markets')
    // Wait until at least one market is quoting, as /status shows it.
    let quoting = 0
    for (let i = 0; i < 100 && quoting === 0; i++) {
      const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
        markets: { quote: unknown }[]
      }
      quoting = status.markets.filter((m) => m.quote !== null).length
      if (quoting === 0) await Bun.sleep(200)
    }
    expect(quoting).toBeGreaterThan(0)
    proc.kill('SIGINT')
    await readUntil(proc, /"msg":"stopped"/, out)
    expect(await proc.exited).toBe(0)
    expect(out.text).toContain('all orders cancelled')
    expect(readdirSync(join(dir, 'logs')).some((f) => /^mm_\d{8}_\d{6}\.log$/.test(f))).toBe(true)
  }, 60_000)

  test('--test sends no order and logs to logs/mm_test_<timestamp>.log', async () => {
    const { dir, file } = scratchConfig()
    const proc = spawn(['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file, '--test'], {
      cwd: dir,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, NO_COLOR: '1' },
    })
    const out = { text: '' }
    const clob = (await readUntil(proc, /embedded simulator up: CLOB (http:\/\/127\.0\.0\.1:\d+)/, out))?.[1]
    const account = (await readUntil(proc, /dry run: orders for (0x[0-9a-fA-F]{40})/, out))?.[1]
    await readUntil(proc, /would (send|place|post)/i, out)
    // The exchange never saw an order from this account.
    const view = (await (await fetch(`${clob}/admin/accounts/${account}`)).json()) as { open_orders: unknown[] }
    expect(view.open_orders).toEqual([])
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    const logs = readdirSync(join(dir, 'logs')).filter((f) => f.startsWith('mm_test_'))
    expect(logs).toHaveLength(1)
    const log = readFileSync(join(dir, 'logs', logs[0] as string), 'utf8')
    expect(log).toMatch(/would (send|place|post)/i)
  }, 60_000)
})
