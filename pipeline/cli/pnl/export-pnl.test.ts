import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../../plugins/persist/sqlite/store.ts'
import { CONDITION_A, CONDITION_B, fillEvent } from '../../../plugins/persist/sqlite/test-events.ts'
import type { DailyPnl } from './compute-pnl.ts'
import { runExportPnl } from './export-pnl.ts'
import { buildHistoryDb, CONDITION_C, collectIo } from './pnl-fixture.ts'

const dirs: string[] = []
function historyDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-pnl-'))
  dirs.push(dir)
  const path = join(dir, 'mm_state.db')
  buildHistoryDb(path)
  return path
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function exportJson(path: string, date: string): Promise<DailyPnl> {
  const io = collectIo()
  expect(await runExportPnl(['--db', path, '--date', date, '--format', 'json'], io)).toBe(0)
  return JSON.parse(io.out.join('')) as DailyPnl
}

describe('export-pnl on a hand-built history (worked out in pnl-fixture.ts)', () => {
  test('realized PnL by average cost, fees, and unrealized at the day’s last fair value', async () => {
    const pnl = await exportJson(historyDb(), '2026-01-02')
    const a = pnl.markets.find((m) => m.conditionId === CONDITION_A)
    expect(a).toMatchObject({ fills: 3, feesUsd: 0.25, rebatesUsd: 0, fair: 0.62, yesShares: 50, noShares: 30 })
    expect(a?.realizedUsd).toBeCloseTo(23.5, 9)
    expect(a?.netRealizedUsd).toBeCloseTo(23.25, 9)
    expect(a?.unrealizedUsd).toBeCloseTo(10.9, 9)
    expect(a?.volumeUsd).toBeCloseTo(112, 9)
    expect(a?.fairAt).toBe(Date.UTC(2026, 0, 2, 23, 59))
    // Not the cash flow of the day (+90 − 15 + 7 − 0.25 = 81.75), which the original daemon reported.
    expect(a?.netRealizedUsd).not.toBeCloseTo(81.75, 2)
  })

  test('a position carried from before the day is marked at its latest earlier fair value', async () => {
    const pnl = await exportJson(historyDb(), '2026-01-02')
    const b = pnl.markets.find((m) => m.conditionId === CONDITION_B)
    expect(b).toMatchObject({ fills: 0, realizedUsd: 0, fair: 0.25, fairAt: Date.UTC(2026, 0, 1, 20) })
    expect(b?.unrealizedUsd).toBeCloseTo(0.5, 9)
  })

  test('a market whose YES/NO tokens are unknown has no unrealized PnL, and says why', async () => {
    const pnl = await exportJson(historyDb(), '2026-01-02')
    const c = pnl.markets.find((m) => m.conditionId === CONDITION_C)
    expect(c).toMatchObject({ fills: 1, unrealizedUsd: null, volumeUsd: 2.5 })
    expect(c?.note).toMatch(/unknown YES\/NO tokens/)
    expect(pnl.total).toMatchObject({ fills: 4, feesUsd: 0.25, marketsWithoutFair: 1 })
    expect(pnl.total.realizedUsd).toBeCloseTo(23.5, 9)
    expect(pnl.total.netRealizedUsd).toBeCloseTo(23.25, 9)
    expect(pnl.total.unrealizedUsd).toBeCloseTo(11.4, 9)
    expect(pnl.total.volumeUsd).toBeCloseTo(114.5, 9)
  })

  test('the day before: buying realizes nothing but the fee', async () => {
    const pnl = await exportJson(historyDb(), '2026-01-01')
    const a = pnl.markets.find((m) => m.conditionId === CONDITION_A)
    expect(a).toMatchObject({ fills: 2, realizedUsd: 0, feesUsd: 0.1, netRealizedUsd: -0.1, fair: 0.5 })
    expect(a?.unrealizedUsd).toBeCloseTo(10, 9)
  })

  test('pnl_daily is upserted: running twice leaves one row per market and day', async () => {
    const path = historyDb()
    await exportJson(path, '2026-01-02')
    await exportJson(path, '2026-01-02')
    await exportJson(path, '2026-01-01')
    const db = new Database(path, { readonly: true })
    const rows = db
      .query<{ date: string; condition_id: string; net_realized_usd: number; unrealized_usd: number | null }, []>(
        'SELECT date, condition_id, net_realized_usd, unrealized_usd FROM pnl_daily ORDER BY date, condition_id',
      )
      .all()
    db.close()
    expect(rows.filter((r) => r.date === '2026-01-02')).toHaveLength(3)
    expect(rows.filter((r) => r.date === '2026-01-01')).toHaveLength(2)
    const a = rows.find((r) => r.date === '2026-01-02' && r.condition_id === CONDITION_A)
    expect(a?.net_realized_usd).toBeCloseTo(23.25, 9)
    expect(rows.find((r) => r.condition_id === CONDITION_C)?.unrealized_usd).toBeNull()
  })

  test('a table on a terminal, CSV otherwise', async () => {
    const path = historyDb()
    const tty = collectIo(true)
    expect(await runExportPnl(['--db', path, '--date', '2026-01-02'], tty)).toBe(0)
    const table = tty.out.join('')
    expect(table).toContain('PnL for 2026-01-02 (UTC)')
    expect(table).toMatch(
      /Will A happen\?\s+3\s+112\.00\s+23\.5000\s+0\.2500\s+0\.0000\s+23\.2500\s+10\.9000\s+0\.6200/,
    )
    expect(table).toMatch(/^total\s+4\s+114\.50\s+23\.5000/m)

    const pipe = collectIo(false)
    expect(await runExportPnl(['--db', path, '--date', '2026-01-02'], pipe)).toBe(0)
    const lines = pipe.out.join('').trimEnd().split('\n')
    expect(lines[0]).toBe(
      'date,condition_id,question,fills,volume_usd,realized_usd,fees_usd,rebates_usd,net_realized_usd,unrealized_usd,fair,fair_at,yes_shares,no_shares',
    )
    expect(lines).toHaveLength(4)
    expect(lines).toContain(
      `2026-01-02,${CONDITION_A},Will A happen?,3,112,23.5,0.25,0,23.25,10.9,0.62,2026-01-02T23:59:00.000Z,50,30`,
    )
  })
})

describe('export-pnl bad input: one line, exit code 2', () => {
  async function fails(argv: string[]): Promise<string> {
    const io = collectIo()
    expect(await runExportPnl(argv, io)).toBe(2)
    expect(io.out).toEqual([])
    const err = io.err.join('')
    expect(err.trimEnd().split('\n')).toHaveLength(1)
    return err
  }

  test('an impossible date', async () => {
    expect(await fails(['--db', historyDb(), '--date', '2026-02-30'])).toMatch(/--date must be a calendar day/)
  })

  test('a date in another format', async () => {
    expect(await fails(['--db', historyDb(), '--date', '02/01/2026'])).toMatch(/YYYY-MM-DD/)
  })

  test('an unknown flag', async () => {
    expect(await fails(['--db', historyDb(), '--dat', '2026-01-02'])).toMatch(/--dat/)
  })

  test('an unknown format', async () => {
    expect(await fails(['--db', historyDb(), '--date', '2026-01-02', '--format', 'xml'])).toMatch(/--format/)
  })

  test('a missing database file (never created on the fly)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-pnl-'))
    dirs.push(dir)
    expect(await fails(['--db', join(dir, 'nope.db'), '--date', '2026-01-02'])).toMatch(
      /database not found: .*nope\.db/,
    )
  })

  test('a corrupt database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-pnl-'))
    dirs.push(dir)
    const path = join(dir, 'bad.db')
    writeFileSync(path, 'not sqlite'.repeat(500))
    expect(await fails(['--db', path, '--date', '2026-01-02'])).toMatch(/bad\.db: corrupt/)
  })
})

describe('export-pnl per mode and account', () => {
  test('paper fills never count in a live account’s PnL, and each writes its own pnl_daily rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-pnl-owner-'))
    dirs.push(dir)
    const path = join(dir, 'mm_state.db')
    const day = Date.UTC(2026, 0, 2, 12)
    const live = openStore(path, { owner: { mode: 'live', account: '0xaaa', ephemeral: false, adoptForeign: false } })
    live.apply([
      fillEvent({ tradeId: 'L1', orderId: '0xl1', side: 'BUY', price: 0.4, size: 10, timestamp: day }),
      fillEvent({ tradeId: 'L2', orderId: '0xl2', side: 'SELL', price: 0.5, size: 10, timestamp: day + 1 }),
    ])
    live.close()
    // The same file taken over by a paper run (--adopt-state): its rows stay marked as paper.
    const paper = openStore(path, { owner: { mode: 'paper', account: '0x111', ephemeral: true, adoptForeign: true } })
    paper.apply([
      fillEvent({ tradeId: 'P1', orderId: '0xp1', side: 'BUY', price: 0.4, size: 100, timestamp: day }),
      fillEvent({ tradeId: 'P2', orderId: '0xp2', side: 'SELL', price: 0.2, size: 100, timestamp: day + 1 }),
    ])
    paper.close()
    const run = async (...extra: string[]) => {
      const io = collectIo()
      expect(await runExportPnl(['--db', path, '--date', '2026-01-02', '--format', 'json', ...extra], io)).toBe(0)
      return JSON.parse(io.out.join('')) as DailyPnl
    }
    const livePnl = await run('--mode', 'live', '--account', '0xAAA')
    expect(livePnl.total.fills).toBe(2)
    expect(livePnl.total.realizedUsd).toBeCloseTo(1, 9)
    const paperPnl = await run() // the owner now: paper, its last run's account
    expect(paperPnl.total.fills).toBe(2)
    expect(paperPnl.total.realizedUsd).toBeCloseTo(-20, 9)
    const db = new Database(path, { readonly: true })
    expect(
      db
        .query('SELECT mode, account, SUM(realized_usd) AS r FROM pnl_daily GROUP BY mode, account ORDER BY mode')
        .all(),
    ).toEqual([
      { mode: 'live', account: '0xaaa', r: 1 },
      { mode: 'paper', account: '0x111', r: -20 },
    ])
    db.close()
  })
})
