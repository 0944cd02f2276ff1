// Simulator throughput: orders accepted (direct engine, and through real HTTP with valid EIP-712 signatures and
// L2 HMAC), and market-data events delivered to N WebSocket subscribers.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { Wallet } from 'ethers'
import { hmacSignature } from '../sim/auth.ts'
import { orderV2Digest, toHex } from '../sim/eip712.ts'
import { createEngine } from '../sim/engine.ts'
import { startSimulator } from '../sim/index.ts'
import { buildMarkets, ScenarioSchema } from '../sim/scenario.ts'
import { deriveCreds } from '../sim/testing.ts'
import { type BenchResult, measure } from './types.ts'

const PK = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'
const EXCHANGE_V2 = '0xE111180000d2663C0091e4f400237545B87B996B'
const ZERO32 = `0x${'0'.repeat(64)}`

function stats(name: string, samplesUs: number[], totalSec: number, note?: string): BenchResult {
  const s = [...samplesUs].sort((a, b) => a - b)
  return {
    name,
    count: s.length,
    medianUs: s[Math.floor(s.length * 0.5)] ?? 0,
    p99Us: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0,
    opsPerSec: s.length / totalSec,
    ...(note ? { note } : {}),
  }
}

function engineBench(): BenchResult[] {
  const scenario = ScenarioSchema.parse({ markets: [{ slug: 'b', question: 'B?', tick_size: 0.001 }] })
  const markets = buildMarkets(scenario, 0)
  const [yes, no] = markets[0]!.tokens
  let t = 0
  const engine = createEngine({ markets, now: () => t++, initialBalanceMicro: 1e15 })
  let id = 0
  const rest = measure('engine: place resting GTC (post-only)', 50_000, (i) => {
    const r = engine.place({
      id: `r${id++}`,
      owner: 'k',
      address: '0xa',
      tokenId: i % 2 ? yes : no,
      side: 'BUY',
      price: 1000 + (i % 300) * 10,
      size: 10e6,
      orderType: 'GTC',
      postOnly: true,
    })
    if (!r.ok) throw new Error(r.errorMsg)
  })
  engine.cancelAll('0xa')
  // Deep resting liquidity, then takers that each sweep a couple of orders (mint against BUY NO).
  for (let i = 0; i < 60_000; i++)
    engine.place(
      {
        id: `m${id++}`,
        owner: 'm',
        address: '0xb',
        tokenId: no,
        side: 'BUY',
        price: 4000,
        size: 10e6,
        orderType: 'GTC',
      },
      { unlimited: true },
    )
  const cross = measure('engine: crossing taker (2 fills, mint)', 25_000, () => {
    const r = engine.place(
      {
        id: `t${id++}`,
        owner: 't',
        address: '0xc',
        tokenId: yes,
        side: 'BUY',
        price: 6000,
        size: 20e6,
        orderType: 'FAK',
      },
      { unlimited: true },
    )
    if (!r.ok) throw new Error(r.errorMsg)
  })
  const cancel = measure('engine: place + cancel', 50_000, (i) => {
    const oid = `c${id++}`
    engine.place({
      id: oid,
      owner: 'k',
      address: '0xa',
      tokenId: yes,
      side: 'BUY',
      price: 1000 + (i % 100) * 10,
      size: 10e6,
      orderType: 'GTC',
    })
    engine.cancel(oid, '0xa')
  })
  return [rest, cross, cancel]
}

async function httpBench(): Promise<BenchResult[]> {
  const scenario = ScenarioSchema.parse({
    flow: false,
    initial_balance_usd: 1e9,
    markets: [{ slug: 'h', question: 'H?', tick_size: 0.001 }],
    // The simulator's own cost is measured here, not the Standard tier's pacing or the upgrade limit.
    production: { rate_limits: 'off', connections: { enforce: false } },
  })
  const sim = await startSimulator({ scenario })
  try {
    const wallet = new Wallet(PK)
    const creds = await deriveCreds(sim.urls.clob, wallet)
    const yes = sim.markets[0]!.tokens[0]
    const priv = Buffer.from(PK.slice(2), 'hex')
    let salt = 1
    // Pre-sign bodies (raw secp256k1 over our own digest) so the measurement is the server's work, not the client's.
    const makeBody = (i: number) => {
      const price = 100 + (i % 400)
      const taker = 10_000_000n
      const value = {
        salt: BigInt(salt++),
        maker: wallet.address,
        signer: wallet.address,
        tokenId: BigInt(yes),
        makerAmount: (taker * BigInt(price)) / 1000n,
        takerAmount: taker,
        side: 0 as const,
        signatureType: 0,
        timestamp: 1_700_000_000_000n + BigInt(i),
        metadata: ZERO32,
        builder: ZERO32,
      }
      const digest = orderV2Digest(value, 137, EXCHANGE_V2)
      const rec = secp256k1.sign(digest, priv, { prehash: false, format: 'recovered' })
      const sig = new Uint8Array(65)
      sig.set(rec.subarray(1), 0)
      sig[64] = (rec[0] ?? 0) + 27
      return {
        deferExec: false,
        postOnly: true,
        order: {
          salt: Number(value.salt),
          maker: value.maker,
          signer: value.signer,
          tokenId: yes,
          makerAmount: value.makerAmount.toString(),
          takerAmount: value.takerAmount.toString(),
          side: 'BUY',
          signatureType: 0,
          timestamp: value.timestamp.toString(),
          expiration: '0',
          metadata: ZERO32,
          builder: ZERO32,
          signature: toHex(sig),
        },
        owner: creds.apiKey,
        orderType: 'GTC',
      }
    }
    const send = async (path: string, payload: unknown) => {
      const body = JSON.stringify(payload)
      const ts = String(Math.floor(Date.now() / 1000))
      const res = await fetch(`${sim.urls.clob}${path}`, {
        method: 'POST',
        body,
        headers: {
          POLY_ADDRESS: wallet.address,
          POLY_SIGNATURE: hmacSignature(creds.secret, `${ts}POST${path}${body}`),
          POLY_TIMESTAMP: ts,
          POLY_API_KEY: creds.apiKey,
          POLY_PASSPHRASE: creds.passphrase,
          'content-type': 'application/json',
        },
      })
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    }

    const N = 2000
    const bodies = Array.from({ length: N }, (_, i) => makeBody(i))
    for (let i = 0; i < 100; i++) await send('/order', makeBody(100_000 + i))
    const seq: number[] = []
    let start = Bun.nanoseconds()
    for (const b of bodies) {
      const t0 = Bun.nanoseconds()
      await send('/order', b)
      seq.push((Bun.nanoseconds() - t0) / 1000)
    }
    const r1 = stats(
      'http: POST /order (signed, sequential)',
      seq,
      (Bun.nanoseconds() - start) / 1e9,
      'orders/s accepted',
    )

    const conc = Array.from({ length: N }, (_, i) => makeBody(N + i))
    const lat: number[] = []
    start = Bun.nanoseconds()
    const workers = 16
    let next = 0
    await Promise.all(
      Array.from({ length: workers }, async () => {
        while (next < conc.length) {
          const b = conc[next++]
          const t0 = Bun.nanoseconds()
          await send('/order', b)
          lat.push((Bun.nanoseconds() - t0) / 1000)
        }
      }),
    )
    const r2 = stats(
      'http: POST /order (signed, 16 in flight)',
      lat,
      (Bun.nanoseconds() - start) / 1e9,
      'orders/s accepted',
    )

    const batches = Array.from({ length: 200 }, (_, j) =>
      Array.from({ length: 15 }, (_, i) => makeBody(10 * N + j * 15 + i)),
    )
    const bl: number[] = []
    start = Bun.nanoseconds()
    for (const b of batches) {
      const t0 = Bun.nanoseconds()
      await send('/orders', b)
      bl.push((Bun.nanoseconds() - t0) / 1000)
    }
    const sec = (Bun.nanoseconds() - start) / 1e9
    const r3 = {
      ...stats('http: POST /orders (15 per batch)', bl, sec),
      opsPerSec: (bl.length * 15) / sec,
      note: 'orders/s; times per batch',
    }
    return [r1, r2, r3]
  } finally {
    await sim.stop()
  }
}

async function wsBench(subscribers: number): Promise<BenchResult[]> {
  const scenario = ScenarioSchema.parse({
    flow: false,
    markets: [{ slug: 'w', question: 'W?', tick_size: 0.01 }],
    production: { connections: { enforce: false } }, // 50 subscribers open at once
  })
  const sim = await startSimulator({ scenario })
  try {
    const [yes, no] = sim.markets[0]!.tokens
    let received = 0
    const sockets: WebSocket[] = []
    for (let i = 0; i < subscribers; i++) {
      const ws = new WebSocket(`${sim.urls.ws}/ws/market`)
      await new Promise<void>((r) => {
        ws.onopen = () => r()
      })
      ws.onmessage = () => {
        received++
      }
      ws.send(JSON.stringify({ assets_ids: [yes, no], type: 'market' }))
      sockets.push(ws)
    }
    const waitFor = async (target: number) => {
      const deadline = Date.now() + 30_000
      while (received < target) {
        if (Date.now() > deadline) throw new Error(`ws bench: ${received}/${target} frames delivered`)
        await Bun.sleep(0)
      }
    }
    await waitFor(subscribers)
    let id = 0
    // Each op rests or cancels one order: one price_change frame per subscriber.
    const op = (i: number) => {
      const oid = `w${id++}`
      const r = sim.engine.place(
        {
          id: oid,
          owner: 'k',
          address: '0xa',
          tokenId: yes,
          side: 'BUY',
          price: 1000 + (i % 50) * 100,
          size: 10e6,
          orderType: 'GTC',
        },
        { unlimited: true },
      )
      if (!r.ok) throw new Error(r.errorMsg)
    }
    const fanout: number[] = []
    for (let i = 0; i < 300; i++) {
      const before = received
      const t0 = Bun.nanoseconds()
      op(i)
      await waitFor(before + subscribers)
      fanout.push((Bun.nanoseconds() - t0) / 1000)
    }
    const r1 = stats(
      `ws: event fan-out to ${subscribers} subscribers`,
      fanout,
      fanout.reduce((s, x) => s + x, 0) / 1e6,
      'µs until every subscriber got it',
    )
    const burst = 5000
    const before = received
    const t0 = Bun.nanoseconds()
    for (let i = 0; i < burst; i++) op(i)
    await waitFor(before + burst * subscribers)
    const sec = (Bun.nanoseconds() - t0) / 1e9
    const r2: BenchResult = {
      name: `ws: events delivered (${subscribers} subscribers, burst)`,
      count: burst * subscribers,
      medianUs: (sec * 1e6) / (burst * subscribers),
      p99Us: (sec * 1e6) / (burst * subscribers),
      opsPerSec: (burst * subscribers) / sec,
      note: 'deliveries/s; µs are per delivery (mean)',
    }
    for (const ws of sockets) ws.close()
    return [r1, r2]
  } finally {
    await sim.stop()
  }
}

export default async function run(): Promise<BenchResult[]> {
  return [...engineBench(), ...(await httpBench()), ...(await wsBench(1)), ...(await wsBench(50))]
}

if (import.meta.main) console.table(await run())
