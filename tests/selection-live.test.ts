import { Database } from 'bun:sqlite'
import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfig } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { builtins } from '../plugins/index.ts'

/**
 * Issue 8: the market list file is edited while the daemon runs against the simulator. Markets are added and
 * removed live — subscribed and quoted, or cancelled and dropped — with the log lines users know and a
 * selection_snapshots row per change. Nothing else restarts.
 */
const ROOT = join(import.meta.dir, '..')
const [header, ...rows] = readFileSync(join(ROOT, 'markets.csv'), 'utf8').trim().split('\n')
const dir = mkdtempSync(join(tmpdir(), 'mm-selection-'))
let daemon: Daemon | undefined

afterAll(async () => {
  await daemon?.stop('test end')
  rmSync(dir, { recursive: true, force: true })
})

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

test('editing the market file adds and removes markets live, logged and snapshotted', async () => {
  const csv = join(dir, 'markets.csv')
  const keep = rows[0] as string
  const drop = rows[1] as string
  const add = rows[2] as string
  writeFileSync(csv, `${header}\n${keep}\n${drop}\n`)
  writeFileSync(
    join(dir, 'mm.yaml'),
    readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')
      .replace('port: 9108', 'port: 0')
      .replace('{ use: sim-markets }', '{ use: file, with: { path: ./markets.csv, refresh: 1h } }'),
  )
  const res = await loadConfig(join(dir, 'mm.yaml'), { builtins, env: {} })
  if (!res.ok) throw new Error(formatIssues('mm.yaml', res.issues))
  const { log, lines } = createMemoryLogger()
  daemon = await startDaemon({ loaded: res.loaded, builtins, log })
  const d = daemon
  const cid = (row: string) => row.split(',')[2] as string
  const yesToken = (row: string) => row.split(',')[0] as string
  expect(d.universe.markets().map((m) => m.conditionId)).toEqual([cid(keep), cid(drop)])
  expect(lines).toContain('[info] Initial market selection: 2 markets loaded from file')

  const address = new Wallet(d.exchange.credentials.privateKey as string).address
  const clob = d.exchange.endpoints.clobUrl
  const openOrders = async () =>
    ((await (await fetch(`${clob}/admin/accounts/${address}`)).json()) as { open_orders: { market: string }[] })
      .open_orders
  await until('orders on the market to be removed', async () =>
    (await openOrders()).some((o) => o.market === cid(drop)),
  )

  // The edit: one market out, one in. The watched file triggers a refresh on its own.
  writeFileSync(csv, `${header}\n${keep}\n${add}\n`)
  await until(
    'the change to apply',
    () => lines.filter((l) => l === '[info] Market selection update complete:').length === 2,
  )
  expect(d.universe.markets().map((m) => m.conditionId)).toEqual([cid(keep), cid(add)])
  expect(lines).toContain('[info] MARKET SELECTION CHANGE DETECTED - Updating trading configuration')
  expect(lines).toContain(`[info] Markets ADDED: ['${yesToken(add)}']`)
  expect(lines).toContain(`[info] Markets REMOVED: ['${yesToken(drop)}']`)
  expect(lines).toContain('[info] Market selection update complete:')

  // Removed: its orders are cancelled on the exchange. Added: it gets quoted.
  await until(
    'the removed market to have no orders',
    async () => !(await openOrders()).some((o) => o.market === cid(drop)),
  )
  await until('the added market to be quoted', async () => (await openOrders()).some((o) => o.market === cid(add)))
  expect(d.current().generation).toBe(1) // nothing was rebuilt

  for (const p of d.current().persist) await p.handler.flush?.()
  const db = new Database(join(dir, 'mm_paper.db'), { readonly: true }) // the paper default's file
  const snaps = db.query('SELECT market_count, added, removed FROM selection_snapshots ORDER BY id').all() as {
    market_count: number
    added: string
    removed: string
  }[]
  db.close()
  expect(snaps).toHaveLength(2)
  expect(snaps[1]?.market_count).toBe(2)
  expect(snaps[1]?.added).toContain(cid(add))
  expect(snaps[1]?.removed).toContain(cid(drop))
}, 40_000)
