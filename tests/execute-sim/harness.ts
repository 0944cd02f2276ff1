import { randomBytes } from 'node:crypto'
import { ClobClient, OrderType, Side } from '@polymarket/clob-client-v2'
import { z } from 'zod'
import { realClock } from '../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, type TestContext } from '../../pipeline/testing.ts'
import { createFastSigner } from '../../plugins/execute/clob/fast-signer.ts'
import clob from '../../plugins/execute/clob/index.ts'
import type { BookView, Level, Market } from '../../schemas/domain.ts'
import { type Simulator, type SimulatorOptions, startSimulator } from '../../sim/index.ts'
import type { BookPair, ExecuteHandler } from '../../stages/io.ts'

/** A daemon-less rig for the execute plugin against the simulator: real client, real sockets, loopback only. */

const LevelSchema = z.object({ price: z.string(), size: z.string() })
const BookSchema = z.object({
  asset_id: z.string(),
  bids: z.array(LevelSchema),
  asks: z.array(LevelSchema),
  tick_size: z.string(),
})

function bookView(tokenId: string, bids: Level[], asks: Level[], tick: number): BookView {
  // bids best first (descending), asks best first (ascending)
  return {
    tokenId,
    state: 'fresh',
    stateReason: '',
    tickSize: tick,
    updatedAt: Date.now(),
    bestBid: () => bids[0],
    bestAsk: () => asks[0],
    bids: (depth) => bids.slice(0, depth ?? bids.length),
    asks: (depth) => asks.slice(0, depth ?? asks.length),
    levelsAhead(side, price) {
      const eps = tick / 2
      return side === 'bid'
        ? bids.filter((l) => l.price > price + eps).length
        : asks.filter((l) => l.price < price - eps).length
    },
  }
}

export async function fetchBook(sim: Simulator, tokenId: string): Promise<BookView> {
  const res = await fetch(`${sim.urls.clob}/book?token_id=${tokenId}`)
  const b = BookSchema.parse(await res.json())
  const lv = (l: { price: string; size: string }) => ({ price: Number(l.price), size: Number(l.size) })
  return bookView(tokenId, b.bids.map(lv).reverse(), b.asks.map(lv).reverse(), Number(b.tick_size))
}

export async function fetchBooks(sim: Simulator, m: Market): Promise<BookPair> {
  return { yes: await fetchBook(sim, m.yesTokenId), no: await fetchBook(sim, m.noTokenId) }
}

export function marketsOf(sim: Simulator): Market[] {
  return sim.markets.map((s) => ({
    conditionId: s.conditionId,
    question: s.question,
    yesTokenId: s.tokens[0],
    noTokenId: s.tokens[1],
    tickSize: s.tickSize,
    minOrderSize: s.minOrderSize,
    negRisk: s.negRisk,
    acceptingOrders: s.acceptingOrders,
    closed: false,
    feeRateBps: s.feeRateBps,
    protocol: s.protocol,
  }))
}

export interface Rig {
  sim: Simulator
  ctx: TestContext
  plugin: ExecuteHandler
  address: string
  markets: Market[]
  close(): Promise<void>
}

export async function startRig(
  opts: {
    sim?: SimulatorOptions
    config?: Record<string, unknown>
    dryRun?: boolean
    privateKey?: string
    simulator?: Simulator
  } = {},
): Promise<Rig> {
  const sim = opts.simulator ?? (await startSimulator({ scenario: 'default', flow: false, ...opts.sim }))
  const privateKey = opts.privateKey ?? `0x${randomBytes(32).toString('hex')}`
  const ctx = createTestContext({
    stage: 'execute',
    plugin: 'clob',
    clock: realClock,
    exchange: { clobUrl: sim.urls.clob, wsUrl: sim.urls.ws, dataApiUrl: sim.urls.dataApi, chainId: 137 },
    credentials: { privateKey },
    dryRun: opts.dryRun ?? false,
  })
  const plugin = (await createTestPlugin(
    clob,
    { heartbeat_every: '1s', resolve_every: '300ms', ...opts.config },
    ctx,
  )) as ExecuteHandler
  await plugin.start?.()
  const markets = marketsOf(sim)
  await plugin.track(markets)
  return {
    sim,
    ctx,
    plugin,
    address: createFastSigner(privateKey).address,
    markets,
    async close() {
      await plugin.stop?.()
      if (!opts.simulator) await sim.stop()
    },
  }
}

/** Another account on the simulator, trading through the official client (the counterparty in fill tests). */
export async function counterparty(sim: Simulator, usdc = 1000, tokens: Record<string, number> = {}) {
  const signer = createFastSigner(`0x${randomBytes(32).toString('hex')}`)
  sim.setBalances(signer.address, usdc, tokens)
  const l1 = new ClobClient({ host: sim.urls.clob, chain: 137, signer, throwOnError: true })
  const creds = await l1.createOrDeriveApiKey()
  const client = new ClobClient({ host: sim.urls.clob, chain: 137, signer, creds, throwOnError: true })
  return {
    address: signer.address,
    /** A marketable limit order (FAK-like GTC that crosses). */
    async take(tokenID: string, side: 'BUY' | 'SELL', price: number, size: number) {
      return client.createAndPostOrder(
        { tokenID, price, size, side: side === 'BUY' ? Side.BUY : Side.SELL },
        undefined,
        OrderType.GTC,
      )
    },
  }
}

export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await cond()) return
    await Bun.sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

export async function postFaults(sim: Simulator, patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(patch) })
  if (!res.ok) throw new Error(`faults: ${res.status} ${await res.text()}`)
}

/** A YES book with one level each side and the NO book mirrored, for runs that need a given mid. */
export function staticBooks(m: Market, yesBid: number, yesAsk: number, size = 100): BookPair {
  const t = m.tickSize
  const r = (x: number) => Math.round(x / t) * t
  return {
    yes: bookView(m.yesTokenId, [{ price: yesBid, size }], [{ price: yesAsk, size }], t),
    no: bookView(m.noTokenId, [{ price: r(1 - yesAsk), size }], [{ price: r(1 - yesBid), size }], t),
  }
}
