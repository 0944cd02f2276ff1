import { Database } from 'bun:sqlite'
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

function scratchConfig(extra = ''): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mm-e2e-'))
  dirs.push(dir)
  const text =
    readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')
      .replace('port: 9108', 'port: 0')
      .replace('path: ./markets.csv', `path: ${join(ROOT, 'markets.csv')}`) + extra
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
    expect(out.text).toContain('Initial market selection: 5 markets loaded from sim-markets')
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

  test('a person sees one startup block, fills named by market and outcome, summaries, and an exit table', async () => {
    const { dir, file } = scratchConfig('log: { summary_every: 1 }\n')
    const proc = spawn(['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file], {
      cwd: dir,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { ...process.env, NO_COLOR: '1' },
    })
    const out = { text: '' }
    const port = (await readUntil(proc, /HTTP API on http:\/\/127\.0\.0\.1:(\d+)/, out))?.[1]
    await readUntil(proc, /"msg":"mm \d+\.\d+\.\d+ running/, out)
    const block = JSON.parse(out.text.split('\n').find((l) => l.includes('running\\n')) as string).msg as string
    expect(block).toContain('mode       paper')
    expect(block).toContain('exchange   embedded simulator, scenario default')
    expect(block).toMatch(/account {4}0x[0-9a-f]{40} \(throwaway paper key/)
    expect(block).toContain('markets    5: "Will')
    expect(block).toContain(`dashboard  http://127.0.0.1:${port}/`)
    await readUntil(proc, /"msg":"fill (BUY|SELL) [^"]*"/, out, 30_000)
    await readUntil(proc, /"msg":"summary: \d+ markets quoted/, out)
    const fill = JSON.parse(out.text.split('\n').find((l) => l.includes('"msg":"fill ')) as string)
    // The line names the market and the outcome; the 77-digit id is a JSON field, not in the text.
    expect(fill.msg).toMatch(/^fill (BUY|SELL) [\d.]+ "Will [^"]+" (YES|NO) @ 0\.\d+ /)
    expect(fill.token_id).toMatch(/^\d{60,}$/)
    expect(fill.msg).not.toContain(fill.token_id)
    expect(fill).toMatchObject({ outcome: expect.stringMatching(/^(YES|NO)$/), question: expect.any(String) })
    // The metrics a dashboard names things with, and the ones present at 0 from the start.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    expect(metrics).toMatch(
      /mm_token_info\{token_id="\d+",condition_id="0x[0-9a-f]+",question="Will [^"]+",outcome="YES"\} 1/,
    )
    expect(metrics).toMatch(/mm_market_risk_state\{condition_id="0x[0-9a-f]+",state="ACTIVE"\} 1/)
    expect(metrics).toContain('mm_orders_rejected_total{reason="balance"}')
    expect(metrics).toContain('mm_orders_cancelled_total{reason="requote"}')
    expect(metrics).toContain('mm_event_loop_lag_seconds_bucket{le="60"}')
    expect(metrics).toContain('mm_quote_to_order_seconds_bucket{le="60"}')
    expect(metrics).toMatch(/mm_process_resident_memory_bytes \d+/)
    expect(metrics).toMatch(/mm_process_start_time_seconds \d+/)
    // The default scenario's markets pay rewards: the quotes' estimated score is shown per market.
    expect(metrics).toMatch(/mm_rewards_score\{condition_id="0x[0-9a-f]+"\} \d/)
    proc.kill('SIGINT')
    await readUntil(proc, /session summary/, out)
    expect(await proc.exited).toBe(0)
    const table = JSON.parse(out.text.split('\n').find((l) => l.includes('session summary')) as string).msg as string
    expect(table).toMatch(/session fills +[1-9]\d*/)
    expect(table).toMatch(/PnL \(realized, net of fees\) +[+-]\d+\.\d\d USD/)
    expect(table).toMatch(/orders left resting +0$/m)
    const record = JSON.parse(out.text.split('\n').find((l) => l.includes('session summary')) as string)
    expect(record).toMatchObject({ event: 'session_summary', orders_left_resting: 0, fills: expect.any(Number) })
    // Before the first connect a component is "not connected yet" (debug), not a warning.
    const stderr = await new Response(proc.stderr).text()
    expect(stderr.split('\n').filter((l) => l.includes('down') && !l.includes('stopped'))).toEqual([])
  }, 60_000)

  test('a killed run leaves no rows in orders_active after the next run stops cleanly', async () => {
    const { dir, file } = scratchConfig()
    const run = () =>
      spawn(['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file], {
        cwd: dir,
        stdout: 'pipe',
        stderr: 'pipe',
        env: { ...process.env, NO_COLOR: '1' },
      })
    const active = () => {
      const db = new Database(join(dir, 'mm_paper.db'), { readonly: true })
      try {
        return db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM orders_active').get()?.n ?? -1
      } finally {
        db.close()
      }
    }
    const first = run()
    const out1 = { text: '' }
    await readUntil(first, /summary: [1-9]\d* markets quoted|"msg":"fill /, out1, 30_000).catch(() => undefined)
    // Quoting: orders rest (and are persisted within the flush interval).
    for (let i = 0; i < 50 && active() === 0; i++) await Bun.sleep(100)
    expect(active()).toBeGreaterThan(0)
    first.kill('SIGKILL')
    await first.exited
    const second = run()
    const out2 = { text: '' }
    await readUntil(second, /"msg":"mm \d+\.\d+\.\d+ running/, out2)
    expect(out2.text).toMatch(/orders_active: removed [1-9]\d* rows of orders no longer open on the exchange/)
    second.kill('SIGINT')
    expect(await second.exited).toBe(0)
    expect(active()).toBe(0)
  }, 60_000)

  test('a busy port fails before trading and names --port and MM_PORT; --port and MM_PORT override server.port', async () => {
    const blocker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('busy') })
    try {
      const { dir, file } = scratchConfig()
      const viaFlag = spawn(
        ['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file, '--port', String(blocker.port)],
        {
          cwd: dir,
          stdout: 'pipe',
          stderr: 'pipe',
          env: { ...process.env, NO_COLOR: '1' },
        },
      )
      expect(await viaFlag.exited).toBe(1)
      const err = await new Response(viaFlag.stderr).text()
      expect(err).toContain(`port ${blocker.port} comes from --port`)
      expect(err).toContain('MM_PORT')
      const viaEnv = spawn(['bun', join(ROOT, 'pipeline/cli/main.ts'), '--config', file], {
        cwd: dir,
        stdout: 'pipe',
        stderr: 'pipe',
        env: { ...process.env, NO_COLOR: '1', MM_PORT: String(blocker.port) },
      })
      expect(await viaEnv.exited).toBe(1)
      expect(await new Response(viaEnv.stderr).text()).toContain(`port ${blocker.port} comes from MM_PORT`)
    } finally {
      blocker.stop(true)
    }
  }, 60_000)
})
