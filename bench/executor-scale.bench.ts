import { createAccount } from '../pipeline/account.ts'
import { createManualClock } from '../pipeline/clock.ts'
import { createEventBus } from '../pipeline/event-bus.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { createExecutor, type Executor } from '../plugins/execute/clob/executor.ts'
import { createFastSigner } from '../plugins/execute/clob/fast-signer.ts'
import { createOrderFactory } from '../plugins/execute/clob/order-factory.ts'
import { isOpen, remaining, type TrackedOrder } from '../plugins/execute/clob/order-state.ts'
import { createOrderStore, type OrderStore } from '../plugins/execute/clob/order-store.ts'
import { createOrderBudget } from '../plugins/execute/clob/rate-budget.ts'
import { createStaticBook } from '../plugins/quoting-math/static-book.ts'
import type { Market, OrderIntent } from '../schemas/domain.ts'
import type { BookPair } from '../stages/io.ts'
import type { BenchResult } from './types.ts'

/**
 * One market's executor run (nothing to change: the diff keeps every order) at 50, 500 and 1,000 markets, each
 * holding 6 live orders and 12 terminal ones (terminal orders are kept 300 s for late events). "scan" keeps
 * orders as the executor did before the per-market index: one map of every tracked order, filtered per call, so a
 * run's cost grows with the number of markets. "indexed" is the order store the executor uses now.
 */

const LAYERS = 3
const TERMINAL_PER_MARKET = 12

/** The store as it was: every open-order question filters every tracked order, terminal ones included. */
function scanStore(): OrderStore {
  const byId = new Map<string, TrackedOrder>()
  const open = () => [...byId.values()].filter((o) => isOpen(o.status))
  return {
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    set: (id, o) => void byId.set(id, o),
    delete: (id) => byId.delete(id),
    values: () => byId.values(),
    get size() {
      return byId.size
    },
    [Symbol.iterator]: () => byId.entries(),
    open: (conditionId, side) =>
      open().filter((o) => (conditionId === undefined || o.conditionId === conditionId) && (!side || o.side === side)),
    openMarkets: () => [...new Set(open().map((o) => o.conditionId))],
    reservedBuyUsd: () => open().reduce((s, o) => s + (o.side === 'BUY' ? o.price * remaining(o) : 0), 0),
  }
}

const r2 = (x: number) => Math.round(x * 100) / 100

function market(i: number): Market {
  return {
    conditionId: `0x${i.toString(16).padStart(64, '0')}`,
    question: `market ${i}`,
    yesTokenId: String(10_000_000n + BigInt(2 * i)),
    noTokenId: String(10_000_000n + BigInt(2 * i + 1)),
    tickSize: 0.01,
    minOrderSize: 5,
    negRisk: false,
    acceptingOrders: true,
    closed: false,
  }
}

function desired(m: Market, mid: number): OrderIntent[] {
  return Array.from({ length: LAYERS }, (_, l) => [
    {
      tokenId: m.yesTokenId,
      side: 'BUY' as const,
      price: r2(mid - 0.01 * (l + 1)),
      size: 10,
      layer: l,
      quoteSide: 'bid' as const,
    },
    {
      tokenId: m.noTokenId,
      side: 'BUY' as const,
      price: r2(1 - mid - 0.01 * (l + 1)),
      size: 10,
      layer: l,
      quoteSide: 'ask' as const,
    },
  ]).flat()
}

async function setup(n: number, store: OrderStore) {
  const clock = createManualClock()
  const signer = createFastSigner(`0x${'5a'.repeat(32)}`)
  const factory = createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 })
  const ex: Executor = createExecutor({
    port: undefined,
    factory,
    clock,
    log: createMemoryLogger().log,
    events: createEventBus(() => {}),
    account: createAccount(),
    metrics: {
      orderSent: () => {},
      fill: () => {},
      inventory: () => {},
      rateLimited: () => {},
      collateralFree: () => {},
      marketsWaiting: () => {},
    },
    budget: createOrderBudget({ clock, log: createMemoryLogger().log }),
    apiKey: 'bench',
    rules: () => ({ requoteMidTicks: 1, requoteQueueLevels: 0, orderMaxAgeMs: 3_600_000, postOnly: true }),
    markDirty: () => {},
    notFoundGraceMs: 15_000,
    maxBudgetWaitMs: 0,
    orderStore: store,
  })
  const markets = Array.from({ length: n }, (_, i) => market(i))
  await ex.setMarkets(markets)
  const books: BookPair[] = markets.map((m) => ({
    yes: createStaticBook({ tokenId: m.yesTokenId, bids: [[0.49, 100]], asks: [[0.51, 100]], tickSize: 0.01 }),
    no: createStaticBook({ tokenId: m.noTokenId, bids: [[0.49, 100]], asks: [[0.51, 100]], tickSize: 0.01 }),
  }))
  const quote = { fair: 0.5, reservation: 0.5, halfSpread: 0.01, bid: 0.49, ask: 0.51 }
  // Terminal orders: quotes placed and cancelled before the current ones.
  for (let i = 0; i < n; i++) {
    const m = markets[i] as Market
    const b = books[i] as BookPair
    for (let k = 0; k < TERMINAL_PER_MARKET / (2 * LAYERS); k++) {
      await ex.run({ market: m, books: b, quote, orders: desired(m, 0.4 + 0.02 * k), now: clock.now() })
      await ex.pull(m, 'bench')
    }
    await ex.run({ market: m, books: b, quote, orders: desired(m, 0.5), now: clock.now() })
  }
  return { ex, markets, books, quote, clock }
}

export default async function (): Promise<BenchResult[]> {
  const out: BenchResult[] = []
  for (const n of [50, 500, 1000]) {
    const per: Record<string, BenchResult> = {}
    for (const [kind, store] of [
      ['scan (before)', scanStore()],
      ['indexed (after)', createOrderStore()],
    ] as const) {
      const s = await setup(n, store)
      const runs = Math.max(200, Math.min(2000, 200_000 / n))
      // run() is async only for the exchange; with nothing to change it settles in microtasks, timed per call.
      const samples: number[] = []
      for (let i = 0; i < runs; i++) {
        const k = i % n
        const m = s.markets[k] as Market
        const t0 = Bun.nanoseconds()
        await s.ex.run({
          market: m,
          books: s.books[k] as BookPair,
          quote: s.quote,
          orders: desired(m, 0.5),
          now: s.clock.now(),
        })
        const t1 = Bun.nanoseconds()
        s.ex.liveOrders(m.conditionId)
        samples.push((t1 - t0) / 1000)
      }
      samples.sort((a, b) => a - b)
      per[kind] = {
        name: `run of one market at ${n} markets, ${kind}`,
        count: runs,
        medianUs: samples[Math.floor(runs / 2)] ?? 0,
        p99Us: samples[Math.min(runs - 1, Math.floor(runs * 0.99))] ?? 0,
        opsPerSec: 1e6 / (samples.reduce((a, b) => a + b, 0) / runs),
        note: `${store.size} tracked, ${store.open().length} open`,
      }
    }
    const before = per['scan (before)'] as BenchResult
    const after = per['indexed (after)'] as BenchResult
    out.push(before, { ...after, ratio: `${(before.medianUs / after.medianUs).toFixed(1)}× faster` })
  }
  return out
}
