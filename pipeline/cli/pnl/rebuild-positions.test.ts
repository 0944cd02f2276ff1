import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStore } from '../../../plugins/persist/sqlite/store.ts'
import { CONDITION_A, CONDITION_B, fillEvent, positionEvent } from '../../../plugins/persist/sqlite/test-events.ts'
import { buildHistoryDb, collectIo } from './pnl-fixture.ts'
import { type PositionDiff, runRebuildPositions } from './rebuild-positions.ts'

const CONDITION_D = `0x${'d4'.repeat(32)}`
const dirs: string[] = []

/**
 * The pnl-fixture history (all days) rebuilt: YES 1111 flat (200 bought, 150 + 50 sold), NO 2222 30 @ 0.30,
 * YES 3333 10 @ 0.20, 5555 5 @ 0.50. The positions table is made to disagree on purpose: 2222 stored as 40,
 * 9999 held although no fill ever bought it, 5555 absent.
 */
function db(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-rebuild-'))
  dirs.push(dir)
  const path = join(dir, 'mm_state.db')
  const at = Date.UTC(2026, 0, 3, 12)
  buildHistoryDb(path, [
    positionEvent({ shares: 0, avgPrice: 0 }, { shares: 40, avgPrice: 0.3 }, at),
    positionEvent({ shares: 10, avgPrice: 0.2 }, { shares: 0, avgPrice: 0 }, at, CONDITION_B, ['3333', '4444']),
    positionEvent({ shares: 7, avgPrice: 0.6 }, { shares: 0, avgPrice: 0 }, at, CONDITION_D, ['9999', '9998']),
  ])
  return path
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function diff(path: string, ...extra: string[]): Promise<{ positions: PositionDiff[]; summary: string }> {
  const io = collectIo()
  expect(await runRebuildPositions(['--db', path, '--format', 'json', ...extra], io)).toBe(0)
  return JSON.parse(io.out.join(''))
}

describe('rebuild-positions', () => {
  test('positions from fills by average cost, with a diff against the table', async () => {
    const { positions, summary } = await diff(db())
    const by = new Map(positions.map((p) => [p.tokenId, p]))
    expect(by.get('1111')).toMatchObject({ conditionId: CONDITION_A, dbShares: 0, rebuiltShares: 0, status: 'same' })
    expect(by.get('2222')).toMatchObject({ dbShares: 40, rebuiltShares: 30, rebuiltAvgPrice: 0.3, status: 'differs' })
    expect(by.get('3333')).toMatchObject({ dbShares: 10, rebuiltShares: 10, rebuiltAvgPrice: 0.2, status: 'same' })
    expect(by.get('5555')).toMatchObject({ dbShares: null, rebuiltShares: 5, status: 'missing in table' })
    expect(by.get('9999')).toMatchObject({ dbShares: 7, rebuiltShares: 0, status: 'not in fills' })
    // 1111 realized: 150 × (0.60 − 0.45) + 50 × (0.90 − 0.45) − fees 0.30 = 44.70 (the FAILED sale excluded).
    expect(by.get('1111')?.rebuiltRealizedPnl).toBeCloseTo(44.7, 9)
    expect(summary).toMatch(/3 differ/)
  })

  test('without --write the table is untouched; with --write it is replaced and then agrees', async () => {
    const path = db()
    const read = () => {
      const d = new Database(path, { readonly: true })
      const rows = d.query<{ token_id: string; shares: number }, []>('SELECT token_id, shares FROM positions').all()
      d.close()
      return new Map(rows.map((r) => [r.token_id, r.shares]))
    }
    await diff(path)
    expect(read().get('2222')).toBe(40)
    const written = await diff(path, '--write')
    expect(written.summary).toMatch(/positions table replaced/)
    const after = read()
    expect(after.get('2222')).toBe(30)
    expect(after.get('5555')).toBe(5)
    expect(after.has('9999')).toBe(false)
    const again = await diff(path)
    expect(again.positions.filter((p) => p.status !== 'same')).toEqual([])
  })

  test('a table on a terminal', async () => {
    const io = collectIo(true)
    expect(await runRebuildPositions(['--db', db()], io)).toBe(0)
    const out = io.out.join('')
    expect(out).toMatch(/^2222\s+0xa1a1a1a1…\s+40\.00\s+30\.00\s+0\.3000\s+0\.3000\s+0\.9500\s+differs$/m)
    expect(out).toContain('run with --write to replace it')
  })

  test('bad input: one line, exit code 2', async () => {
    const unknown = collectIo()
    expect(await runRebuildPositions(['--db', db(), '--wrte'], unknown)).toBe(2)
    expect(unknown.err.join('')).toMatch(/^mm rebuild-positions: .*--wrte.*\n$/)
    const missing = collectIo()
    expect(await runRebuildPositions(['--db', join(tmpdir(), 'mm-no-such-dir', 'x.db')], missing)).toBe(2)
    expect(missing.err.join('')).toMatch(/database not found/)
    const stray = collectIo()
    expect(await runRebuildPositions(['positions.db'], stray)).toBe(2)
  })
})

describe('rebuild-positions per mode and account', () => {
  test('two paper runs (fresh simulator accounts) in one file agree with their own positions; live rows stay apart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-rebuild-owner-'))
    dirs.push(dir)
    const path = join(dir, 'mm_paper.db')
    const paper = (account: string) => ({ mode: 'paper' as const, account, ephemeral: true, adoptForeign: false })
    const at = Date.UTC(2026, 0, 3, 12)
    const buy = (tradeId: string, orderId: string, size: number) => fillEvent({ tradeId, orderId, size, price: 0.4 })
    const run1 = openStore(path, { owner: paper('0x111') })
    run1.apply([buy('t1', '0xa', 10), positionEvent({ shares: 10, avgPrice: 0.4 }, { shares: 0, avgPrice: 0 }, at)])
    run1.close()
    // The next run's simulator starts fresh: its trade ids start over, its position is its own.
    const run2 = openStore(path, { owner: paper('0x222') })
    run2.apply([buy('t1', '0xb', 3), positionEvent({ shares: 3, avgPrice: 0.4 }, { shares: 0, avgPrice: 0 }, at)])
    run2.close()
    const last = await diff(path)
    expect(last.summary).toContain('paper account 0x222: ')
    expect(last.positions.find((p) => p.tokenId === '1111')).toMatchObject({
      dbShares: 3,
      rebuiltShares: 3,
      status: 'same',
    })
    const first = await diff(path, '--account', '0x111')
    expect(first.positions.find((p) => p.tokenId === '1111')).toMatchObject({ dbShares: 10, rebuiltShares: 10 })
    // --write replaces only that account's rows.
    await diff(path, '--account', '0x111', '--write')
    const db = new Database(path, { readonly: true })
    expect(db.query('SELECT account, shares FROM positions WHERE token_id = ? ORDER BY account').all('1111')).toEqual([
      { account: '0x111', shares: 10 },
      { account: '0x222', shares: 3 },
    ])
    db.close()
    const live = await diff(path, '--mode', 'live', '--account', '0xlive')
    expect(live.positions).toEqual([])
  })
})
