import { afterEach, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { backoffDelay, type Connection, createConnection, operationMessage, subscribeMessage } from './connection.ts'
import { type FixtureServer, startFixtureServer, waitFor } from './test-support/fixture-server.ts'

let server: FixtureServer | undefined
let conn: Connection | undefined
afterEach(async () => {
  conn?.stop()
  await server?.stop()
})

test('back-off doubles per attempt, is capped, and jitter stays within [0.5, 1) of it', () => {
  expect(backoffDelay(1, 250, 30_000, 0)).toBe(125)
  expect(backoffDelay(1, 250, 30_000, 0.999)).toBe(250)
  expect(backoffDelay(4, 250, 30_000, 0.999)).toBe(1999)
  expect(backoffDelay(20, 250, 30_000, 0.999)).toBe(29_985)
  expect(backoffDelay(20, 250, 30_000, 0)).toBe(15_000)
})

test('messages: the initial subscribe and the dynamic operations', () => {
  expect(JSON.parse(subscribeMessage(['1', '2']))).toEqual({
    assets_ids: ['1', '2'],
    type: 'market',
    custom_feature_enabled: true,
  })
  expect(JSON.parse(operationMessage('unsubscribe', ['1']))).toEqual({ operation: 'unsubscribe', assets_ids: ['1'] })
})

test('the back-off grows while drops come fast and starts over after a healthy period', async () => {
  server = startFixtureServer()
  const clock = createManualClock()
  const { log, lines } = createMemoryLogger()
  const opens: boolean[] = []
  conn = createConnection({
    url: `${server.wsBase}market`,
    id: '0',
    clock,
    log,
    random: () => 0.999,
    pingIntervalMs: 10_000,
    staleAfterMs: 15_000,
    deadAfterMs: 30_000,
    backoffMinMs: 250,
    backoffMaxMs: 30_000,
    backoffResetMs: 60_000,
    onFrame: () => {},
    onOpen: (reconnect) => opens.push(reconnect),
    onClose: () => {},
    onLivenessChange: () => {},
  })
  conn.subscribe(['1'])
  await waitFor(() => opens.length === 1, 'first open')
  const s = server
  const scheduled = () => lines.filter((l) => l.includes('reconnecting in')).length
  const retry = async (n: number, advance: number) => {
    const before = scheduled()
    const opened = opens.length
    s.dropAll()
    await waitFor(() => scheduled() === before + 1, `attempt ${n} scheduled`)
    expect(lines.at(-1)).toContain(`(attempt ${n})`)
    clock.advance(advance)
    await waitFor(() => opens.length === opened + 1, 'reopened')
  }
  await retry(1, 250)
  await retry(2, 500) // dropped right after reconnecting: the delay doubled
  clock.advance(60_000) // a healthy minute
  await retry(1, 250)
  expect(opens).toEqual([false, true, true, true])
  expect(lines.filter((l) => l.includes('reconnecting in')).map((l) => /in (\d+)ms/.exec(l)?.[1])).toEqual([
    '250',
    '500',
    '250',
  ])
})
