import { Database } from 'bun:sqlite'
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../plugins/persist/sqlite/store.ts'

const dir = mkdtempSync(join(tmpdir(), 'mm-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const CHILD = join(import.meta.dir, '..', 'plugins', 'persist', 'sqlite', 'crash-child.ts')

/** Read the child's stdout line by line until `done` says stop; returns the last `acked` count seen. */
async function watch(stdout: ReadableStream<Uint8Array>, done: (acked: number, acks: number) => boolean) {
  const reader = stdout.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  let acked = 0
  let acks = 0
  for (;;) {
    const { value, done: eof } = await reader.read()
    if (eof) throw new Error(`child exited early; last output: ${buffered}`)
    buffered += decoder.decode(value, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      const m = /^acked (\d+)$/.exec(line)
      if (!m) continue
      acked = Number(m[1])
      acks++
    }
    if (done(acked, acks)) {
      reader.releaseLock()
      return acked
    }
  }
}

test('kill -9 mid-run loses nothing that flush() acknowledged', async () => {
  const path = join(dir, 'mm_state.db')
  const child = Bun.spawn(['bun', CHILD, path], { stdout: 'pipe', stderr: 'pipe' })
  // Let it run through many commits, then kill it while it is writing (it never stops writing).
  const acked = await watch(child.stdout, (n, acks) => n >= 2000 && acks >= 40)
  child.kill('SIGKILL')
  expect(await child.exited).not.toBe(0)
  expect(child.signalCode).toBe('SIGKILL')

  // The file opens cleanly (WAL recovery) and holds every acknowledged fill and order update.
  const store = openStore(path, { create: false })
  store.close()
  const db = new Database(path, { readonly: true })
  const fills = db.query<{ trade_id: string }, []>('SELECT trade_id FROM fills').all()
  const present = new Set(fills.map((r) => r.trade_id))
  const missing: string[] = []
  for (let i = 0; i < acked; i++) if (!present.has(`trade-${i}`)) missing.push(`trade-${i}`)
  expect(missing).toEqual([])
  const filled = db
    .query<{ n: number }, [number]>("SELECT COUNT(*) AS n FROM orders WHERE status = 'filled' AND updated_at < ?")
    .get(Date.UTC(2026, 0, 1) + acked)
  expect(filled?.n).toBe(acked)
  // Every acknowledged order reached its terminal state, so none of them is left in orders_active.
  const stillActive = db
    .query<{ n: number }, [number]>('SELECT COUNT(*) AS n FROM orders_active WHERE updated_at < ?')
    .get(Date.UTC(2026, 0, 1) + acked)
  expect(stillActive?.n).toBe(0)
  db.close()
})
