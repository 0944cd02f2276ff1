import { expect, test } from 'bun:test'
import type { ClobClient } from '@polymarket/clob-client-v2'
import fc from 'fast-check'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createClobPort, ExchangeError, postOutcome } from './exchange-port.ts'
import type { TradingHttp } from './trading-http.ts'

/**
 * Property: whatever the exchange answers over REST (any JSON, a thrown error of any shape), each port call
 * resolves to a validated value or rejects with a named error (ExchangeError with a kind, or the ZodError of
 * the answer's schema): never a TypeError from reading a field that is not there.
 */
const RUNS = 300
const NAMED = new Set(['ExchangeError', 'ZodError', 'HeartbeatWithoutIdError', 'StaleHeartbeatError'])

const answer = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.record({ canceled: fc.anything(), not_canceled: fc.anything() }),
  fc.record({ heartbeat_id: fc.anything() }),
  fc.record({ balance: fc.oneof(fc.string(), fc.integer().map(String)) }),
  fc.array(fc.record({ id: fc.string(), status: fc.string(), price: fc.anything(), side: fc.anything() }), {
    maxLength: 3,
  }),
)
// What clob-client-v2 throws with throwOnError: an Error carrying the HTTP status and the body (or a network error).
const thrown = fc
  .record({
    status: fc.option(fc.oneof(fc.integer({ min: 100, max: 599 }), fc.string()), { nil: undefined }),
    message: fc.string(),
    data: fc.anything(),
  })
  .map(({ status, message, data }) => Object.assign(new Error(message), { status, data }))
const reply = fc.oneof(
  answer.map((v) => ({ ok: true as const, v })),
  thrown.map((e) => ({ ok: false as const, e })),
)

function fakeClient(r: { ok: boolean; v?: unknown; e?: unknown }): ClobClient {
  const call = async () => {
    if (r.ok) return r.v
    throw r.e
  }
  return new Proxy({} as ClobClient, { get: () => call })
}

test(`REST answers: ${RUNS} random answers per call end in a value or a named error`, async () => {
  let tried = 0
  let named = 0
  await fc.assert(
    fc.asyncProperty(reply, async (r) => {
      const port = createClobPort({
        client: fakeClient(r),
        trading: fakeClient(r) as unknown as TradingHttp,
        clock: createManualClock(),
        dataApiUrl: 'http://127.0.0.1:9',
        timeoutMs: 1000,
      })
      const calls: Array<() => Promise<unknown>> = [
        () => port.cancelOrders(['a']),
        () => port.cancelAll(),
        () => port.getOrder('a'),
        () => port.openOrders(),
        () => port.trades(1),
        () => port.heartbeat(undefined),
        () => port.collateral(),
      ]
      for (const call of calls) {
        tried++
        try {
          const v = await call()
          if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true)
        } catch (err) {
          named++
          expect(err).toBeInstanceOf(Error)
          expect(NAMED.has((err as Error).name)).toBe(true)
          if (err instanceof ExchangeError)
            expect(['rate-limited', 'rejected', 'ambiguous', 'restarting', 'cancel-only', 'post-only-mode']).toContain(
              err.kind,
            )
        }
      }
    }),
    { numRuns: RUNS, seed: 5 },
  )
  expect(named).toBeGreaterThan(0)
  console.log(`REST answers: ${tried} calls tried, ${named} ended in a named error`)
}, 60_000)

test(`POST /orders elements: ${RUNS * 5} arbitrary elements are a response or an ambiguous failure`, () => {
  let tried = 0
  fc.assert(
    fc.property(fc.anything(), (raw) => {
      tried++
      const o = postOutcome(raw)
      expect(['response', 'failure']).toContain(o.kind)
    }),
    { numRuns: RUNS * 5, seed: 6 },
  )
  console.log(`POST /orders elements: ${tried} tried`)
}, 60_000)
