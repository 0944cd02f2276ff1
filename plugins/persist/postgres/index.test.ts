import { afterAll, describe, expect, test } from 'bun:test'
import { SQL } from 'bun'
import { createTestContext, createTestPlugin } from '../../../pipeline/testing.ts'
import type { PersistHandler } from '../../../stages/io.ts'
import { startPostgres, type TestPostgres } from '../../../tests/support/postgres.ts'
import { fillEvent, orderEvent, positionEvent, quoteEvent } from '../sqlite/test-events.ts'
import postgres, { type PostgresConfig } from './index.ts'

// A real PostgreSQL server from the system's packages; without one the suite says so and is skipped.
const pg: TestPostgres | undefined = await startPostgres()
if (!pg) console.log('postgres persist suite skipped: no PostgreSQL server binaries (apt-get install postgresql)')
const sql = new SQL(pg?.url ?? 'postgres://unused@127.0.0.1:1/none')
afterAll(async () => {
  await sql?.close()
  await pg?.stop()
})

const ACCOUNT = '0x00000000000000000000000000000000000000aa'
async function open(instance: string, account = ACCOUNT): Promise<PersistHandler<PostgresConfig>> {
  const ctx = createTestContext({
    stage: 'persist',
    plugin: 'postgres',
    owner: { mode: 'live', account, ephemeral: false, adoptForeign: false },
  })
  const h = await createTestPlugin(postgres, { url: pg?.url, instance }, ctx)
  await h.start?.()
  return h
}

describe.skipIf(!pg)('postgres persist plugin', () => {
  test('events land once, in the sqlite rules: terminal orders stay terminal, final fills stay final', async () => {
    const h = await open('a')
    h.write(orderEvent({ id: '0xo1', status: 'live' }))
    h.write(orderEvent({ id: '0xo1', status: 'cancelled' }, Date.UTC(2026, 0, 1, 12, 1)))
    h.write(orderEvent({ id: '0xo1', status: 'live' }, Date.UTC(2026, 0, 1, 12, 2))) // late, reordered
    h.write(orderEvent({ id: '0xo2', status: 'live' }))
    h.write(fillEvent({ tradeId: 't1', status: 'CONFIRMED' }))
    h.write(fillEvent({ tradeId: 't1', status: 'MINED' })) // replayed older status
    h.write(fillEvent({ tradeId: 't1', status: 'CONFIRMED' })) // the same fill twice
    h.write(positionEvent({ shares: 10, avgPrice: 0.45 }, { shares: 0, avgPrice: 0 }))
    h.write(quoteEvent(0.46, Date.UTC(2026, 0, 1, 12)))
    await h.flush?.()
    expect(await sql`SELECT status FROM orders WHERE order_id = '0xo1'`).toEqual([{ status: 'cancelled' }])
    expect(
      (await sql`SELECT order_id FROM orders_active ORDER BY order_id`).map((r: { order_id: string }) => r.order_id),
    ).toEqual(['0xo2'])
    expect(await sql`SELECT trade_status, account, instance FROM fills`).toEqual([
      { trade_status: 'CONFIRMED', account: ACCOUNT, instance: 'a' },
    ])
    expect((await sql`SELECT shares FROM positions WHERE token_id = '1111'`)[0]).toEqual({ shares: 10 })
    expect((await sql`SELECT fair FROM fair_values`)[0]).toEqual({ fair: 0.46 })
    await h.stop?.()
  })

  test("today's realized PnL is the account's, from every instance's fills, and no other account's", async () => {
    const a = await open('a2', '0x00000000000000000000000000000000000000bb')
    const b = await open('b2', '0x00000000000000000000000000000000000000bb')
    const other = await open('c2', '0x00000000000000000000000000000000000000cc')
    const day = Date.UTC(2026, 2, 3)
    a.write(
      fillEvent({ tradeId: 'r1', orderId: '0xa', side: 'BUY', price: 0.5, size: 100, timestamp: day - 3_600_000 }),
    )
    b.write(fillEvent({ tradeId: 'r2', orderId: '0xb', side: 'SELL', price: 0.4, size: 100, timestamp: day + 60_000 }))
    other.write(
      fillEvent({ tradeId: 'r3', orderId: '0xc', side: 'SELL', price: 0.9, size: 100, timestamp: day + 60_000 }),
    )
    for (const h of [a, b, other]) await h.flush?.()
    // Bought at 0.50 yesterday (instance a), sold at 0.40 today (instance b): −10 USD today for the account.
    expect(await a.realizedSince?.(day)).toBeCloseTo(-10, 9)
    expect(await b.realizedSince?.(day)).toBeCloseTo(-10, 9)
    for (const h of [a, b, other]) await h.stop?.()
  })

  test('two instances of one signer reserving at once never take more than the bucket holds', async () => {
    const a = await open('ra')
    const b = await open('rb')
    const spec = { signer: '0xSIGNER', bucket: 'order', ratePerSec: 10, burst: 60 }
    const started = Date.now()
    let granted = 0
    let refused = 0
    // Both instances ask for 5 tokens 40 times each, all at once: far more than burst + refill.
    await Promise.all(
      [a, b].flatMap((h) =>
        Array.from({ length: 40 }, async () => {
          const wait = await h.accountShare?.().reserve(spec, 5)
          if (wait === 0) granted += 5
          else {
            refused++
            expect(wait).toBeGreaterThan(0)
          }
        }),
      ),
    )
    const elapsedSec = (Date.now() - started) / 1000
    expect(granted).toBeGreaterThanOrEqual(60) // the burst was all usable
    expect(granted).toBeLessThanOrEqual(60 + Math.ceil(elapsedSec * 10) + 5) // never beyond burst + refill
    expect(refused).toBeGreaterThan(0)
    // A batch that costs more than the burst can never be admitted: the caller must split it.
    expect(await a.accountShare?.().reserve(spec, 61)).toBe(Number.POSITIVE_INFINITY)
    await a.stop?.()
    await b.stop?.()
  })

  test("the exchange's remaining count lowers the shared bucket, never raises it", async () => {
    const a = await open('oa')
    const b = await open('ob')
    const share = a.accountShare?.()
    const spec = { signer: '0xOBSERVED', bucket: 'orders', ratePerSec: 1, burst: 60 }
    expect(await share?.reserve(spec, 10)).toBe(0) // 50 left by our count
    // The exchange says 4 are left (requests it counted that we reserved earlier met a full bucket there).
    await b.accountShare?.().observe(spec, 4)
    expect(await share?.reserve(spec, 10)).toBeGreaterThan(0)
    expect(await share?.reserve(spec, 4)).toBe(0)
    // A higher count than ours does not add tokens.
    await b.accountShare?.().observe(spec, 60)
    expect(await share?.reserve(spec, 5)).toBeGreaterThan(0)
    await a.stop?.()
    await b.stop?.()
  })

  test('each instance sees the others’ daily PnL and exposure, not its own and not another day’s', async () => {
    const a = await open('pa')
    const b = await open('pb')
    const c = await open('pc')
    const day = Date.UTC(2026, 2, 3)
    await a.accountShare?.().publish({ day, pnlUsd: -60, exposureUsd: 100, halted: false })
    await b.accountShare?.().publish({ day, pnlUsd: -50, exposureUsd: 40, halted: true })
    await c.accountShare?.().publish({ day: day - 86_400_000, pnlUsd: -999, exposureUsd: 1, halted: true })
    const seenByA = await a.accountShare?.().peers(day)
    expect(seenByA).toMatchObject({ instances: ['pb'], pnlUsd: -50, exposureUsd: 40, halted: ['pb'] })
    const seenByC = await c.accountShare?.().peers(day)
    expect(seenByC?.pnlUsd).toBe(-110)
    for (const h of [a, b, c]) await h.stop?.()
  })

  test('a database that cannot be reached fails at start naming PostgreSQL', async () => {
    const ctx = createTestContext({ stage: 'persist', plugin: 'postgres' })
    const h = await createTestPlugin(postgres, { url: 'postgres://mm@127.0.0.1:1/none' }, ctx)
    await expect(h.start?.()).rejects.toThrow(/cannot open the PostgreSQL database/)
  })
})
