import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { createBalanceRefresher } from './balance-refresh.ts'
import { startWireServer, type WireServer, wirePort } from './wire-server.testing.ts'

const servers: WireServer[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.stop()
})

describe('balance refresh after fills', () => {
  test("a burst of fills asks the exchange to refresh each balance once (the token's and pUSD), V2 as CONDITIONAL-V2", async () => {
    const srv = startWireServer()
    servers.push(srv)
    const clock = createManualClock()
    const r = createBalanceRefresher({ port: wirePort(srv), clock, log: createMemoryLogger().log })
    for (let i = 0; i < 5; i++) r.fillSeen('1111', 'v2')
    r.fillSeen('2222', 'v1')
    const updates = () => srv.state.queries.filter((q) => q.startsWith('GET /balance-allowance/update'))
    expect(updates()).toEqual([])
    clock.advance(1000)
    for (let i = 0; i < 50 && updates().length < 3; i++) await Bun.sleep(5)
    expect(updates().length).toBe(3)
    expect(updates().some((q) => q.includes('asset_type=CONDITIONAL-V2') && q.includes('token_id=1111'))).toBe(true)
    expect(updates().some((q) => q.includes('asset_type=CONDITIONAL&') && q.includes('token_id=2222'))).toBe(true)
    expect(updates().some((q) => q.includes('asset_type=COLLATERAL'))).toBe(true)
    r.stop()
  })
})
