// Heartbeat (protocol doc §7.3): ids rotate on every accepted beat; a stale id gets 400 with the current id and no
// `error` key; the `heartbeat_lose` fault rotates the id but loses the answer, so the client's next beat is stale.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { OrderType, Side } from '@polymarket/clob-client-v2'
import type { ApiCreds } from './auth.ts'
import { createManualClock, type ManualClock, type Simulator } from './index.ts'
import { alice, clobClient, deriveCreds, l2Fetch, startTestSimulator } from './testing.ts'

let sim: Simulator
let clock: ManualClock
let creds: ApiCreds

beforeAll(async () => {
  clock = createManualClock(Date.now())
  sim = await startTestSimulator(
    { markets: [{ slug: 'hb', question: 'Heartbeat?', tick_size: 0.01 }], heartbeat_timeout: 15_000 },
    { clock },
  )
  creds = await deriveCreds(sim.urls.clob, alice)
})
afterAll(async () => {
  await sim.stop()
})

const beat = (id: string | null) => l2Fetch(sim.urls.clob, alice, creds, 'POST', '/v1/heartbeats', { heartbeat_id: id })

describe('heartbeat ids', () => {
  test('a stale id answers 400 {error_msg, heartbeat_id} with no error key', async () => {
    const first = (await (await beat(null)).json()) as { heartbeat_id: string }
    const second = (await (await beat(first.heartbeat_id)).json()) as { heartbeat_id: string }
    expect(second.heartbeat_id).not.toBe(first.heartbeat_id)
    const stale = await beat(first.heartbeat_id)
    expect(stale.status).toBe(400)
    expect(await stale.json()).toEqual({ error_msg: 'Invalid Heartbeat ID', heartbeat_id: second.heartbeat_id })
    const wrong = await beat('not-an-id')
    expect(await wrong.json()).toEqual({ error_msg: 'Invalid Heartbeat ID', heartbeat_id: second.heartbeat_id })
  })

  test('heartbeat_lose: the beat is accepted and rotates the id, but the answer never arrives', async () => {
    const a = clobClient(sim.urls.clob, alice, creds)
    const order = await a.createOrder({ tokenID: sim.markets[0]?.tokens[0] ?? '', price: 0.2, size: 5, side: Side.BUY })
    expect((await a.postOrder(order, OrderType.GTC, true)).success).toBe(true)
    const start = (await (await beat(null)).json()) as { heartbeat_id: string }
    await fetch(`${sim.urls.admin}/faults`, {
      method: 'POST',
      body: JSON.stringify({ heartbeat_lose: { count: 1, hang_ms: 5000 } }),
    })
    const lost = beat(start.heartbeat_id)
    await Bun.sleep(20)
    clock.advance(5000)
    const answer = await lost
    expect(answer.status).toBe(504)
    expect(await answer.text()).not.toContain('heartbeat_id')
    // The client only knows the old id: stale, and the answer names the rotated one.
    const stale = await beat(start.heartbeat_id)
    const body = (await stale.json()) as { heartbeat_id: string }
    expect(stale.status).toBe(400)
    expect(body.heartbeat_id).not.toBe(start.heartbeat_id)
    // Retrying at once with it is accepted; the lost beat had re-armed the switch, so the order is still there.
    clock.advance(9000)
    expect((await beat(body.heartbeat_id)).status).toBe(200)
    clock.advance(14_000)
    expect(sim.openOrders(alice.address)).toHaveLength(1)
    // No further beats: the dead-man switch cancels it.
    clock.advance(2000)
    expect(sim.openOrders(alice.address)).toHaveLength(0)
  })
})
