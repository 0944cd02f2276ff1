// Market-socket behaviours production shows (protocol doc §7.6): a frozen feed that still answers PONG while REST
// /book moves on; no book data on a socket subscribed to more than 500 assets; 429 when many sockets open at once.
import { afterEach, describe, expect, test } from 'bun:test'
import type { Simulator } from './index.ts'
import { startTestSimulator } from './testing.ts'

let sim: Simulator
afterEach(async () => {
  await sim?.stop()
})

type Conn = { ws: WebSocket; frames: string[] }

async function connect(): Promise<Conn> {
  const ws = new WebSocket(`${sim.urls.ws}/ws/market`)
  const frames: string[] = []
  ws.onmessage = (e) => frames.push(String(e.data))
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('ws error'))
  })
  return { ws, frames }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}

const data = (c: Conn) => c.frames.filter((f) => f !== 'PONG')
const internal = (price: number, side: 'BUY' | 'SELL', id: string, token: string) =>
  sim.engine.place(
    {
      id,
      owner: 'flow',
      address: '0x00000000000000000000000000000000000000f1',
      tokenId: token,
      side,
      price,
      size: 10e6,
      orderType: 'GTC',
    },
    { unlimited: true },
  )

describe('frozen feed', () => {
  test('ws_frozen: PONG keeps coming, book data stops, REST /book keeps the truth; a new socket gets a snapshot', async () => {
    sim = await startTestSimulator({ markets: [{ slug: 'fz', question: 'Frozen?', tick_size: 0.01 }] })
    const yes = sim.markets[0]?.tokens[0] ?? ''
    const c = await connect()
    c.ws.send(JSON.stringify({ assets_ids: [yes], type: 'market' }))
    await until(() => data(c).length >= 1, 'snapshot')
    await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify({ ws_frozen: true }) })
    const before = data(c).length
    expect(before).toBe(1)
    internal(4000, 'BUY', '0xa1', yes)
    c.ws.send('PING')
    await until(() => c.frames.at(-1) === 'PONG', 'PONG')
    await Bun.sleep(50)
    expect(data(c).length).toBe(before)
    const book = (await (await fetch(`${sim.urls.clob}/book?token_id=${yes}`)).json()) as { bids: unknown[] }
    expect(book.bids).toEqual([{ price: '0.4', size: '10' }])
    // Reconnecting re-seeds (production's workaround): the new socket's snapshot has the moved book.
    const fresh = await connect()
    fresh.ws.send(JSON.stringify({ assets_ids: [yes], type: 'market' }))
    await until(() => data(fresh).length >= 1, 'fresh snapshot')
    expect(data(fresh)[0]).toContain('"0.4"')
    c.ws.close()
    fresh.ws.close()
  })
})

describe('connection limits', () => {
  test('more than 500 assets on one socket: no book data at all (PONG still answers)', async () => {
    sim = await startTestSimulator({ generate: { markets: 251, seed: 2 } })
    const tokens = sim.markets.flatMap((m) => m.tokens)
    const c = await connect()
    c.ws.send(JSON.stringify({ assets_ids: tokens.slice(0, 500), type: 'market' }))
    await until(() => data(c).length >= 1, '500-asset snapshot')
    c.ws.send(JSON.stringify({ assets_ids: tokens.slice(500), operation: 'subscribe' }))
    c.ws.send('PING') // frames are handled in order: once PONG is back the subscription is in place
    await until(() => c.frames.at(-1) === 'PONG', 'PONG')
    const before = data(c).length
    internal(4000, 'BUY', '0xb1', tokens[0] ?? '')
    c.ws.send('PING')
    await until(() => c.frames.filter((f) => f === 'PONG').length === 2, 'second PONG')
    await Bun.sleep(50)
    expect(data(c).length).toBe(before)
    c.ws.close()
  })

  test('many sockets opening at once: upgrades past the window limit get 429', async () => {
    sim = await startTestSimulator({
      markets: [{ slug: 'cx', question: 'Connections?', tick_size: 0.01 }],
      production: { connections: { max_upgrades: 3, upgrade_window_ms: 60_000 } },
    })
    const open = await Promise.all([connect(), connect(), connect()])
    const res = await fetch(`${sim.urls.clob}/ws/market`, { headers: { upgrade: 'websocket', connection: 'upgrade' } })
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).not.toBeNull()
    await expect(connect()).rejects.toThrow()
    for (const c of open) c.ws.close()
  })
})
