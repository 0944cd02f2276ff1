import { DEFAULT_DIFF_CONFIG, type DiffConfig, diffOrders, yesMid } from '../plugins/execute/clob/diff-orders.ts'
import { createFastSigner } from '../plugins/execute/clob/fast-signer.ts'
import { createOrderFactory } from '../plugins/execute/clob/order-factory.ts'
import { createStaticBook } from '../plugins/quoting-math/static-book.ts'
import type { BookView, LiveOrder, Market, OrderIntent } from '../schemas/domain.ts'
import type { BookPair } from '../stages/io.ts'
import { type BenchResult, measure } from './types.ts'

/**
 * A full requote of 50 markets × 6 orders (3 layers a side), no network: the diff finds every side moved, cancels
 * the 300 resting orders and builds + signs the 300 replacements. What a daemon pays when everything jumps at once.
 */

const MARKETS = 50
const LAYERS = 3

const view = (tokenId: string, bid: number, ask: number): BookView =>
  createStaticBook({ tokenId, bids: [[bid, 100]], asks: [[ask, 100]] })

const r2 = (x: number) => Math.round(x * 100) / 100

export default async function (): Promise<BenchResult[]> {
  const signer = createFastSigner(`0x${'5a'.repeat(32)}`)
  const factory = createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 })
  const markets: Market[] = Array.from({ length: MARKETS }, (_, i) => ({
    conditionId: `0x${i.toString(16).padStart(64, '0')}`,
    question: `market ${i}`,
    yesTokenId: String(10_000_000n + BigInt(2 * i)),
    noTokenId: String(10_000_000n + BigInt(2 * i + 1)),
    tickSize: 0.01,
    minOrderSize: 5,
    negRisk: i % 5 === 0,
    acceptingOrders: true,
    closed: false,
  }))
  const desired = (m: Market, mid: number): OrderIntent[] =>
    Array.from({ length: LAYERS }, (_, l) => [
      {
        tokenId: m.yesTokenId,
        side: 'BUY' as const,
        price: r2(mid - 0.01 * (l + 1)),
        size: 10 + l,
        layer: l,
        quoteSide: 'bid' as const,
      },
      {
        tokenId: m.noTokenId,
        side: 'BUY' as const,
        price: r2(1 - mid - 0.01 * (l + 1)),
        size: 10 + l,
        layer: l,
        quoteSide: 'ask' as const,
      },
    ]).flat()
  const resting: LiveOrder[][] = markets.map((m) =>
    desired(m, 0.5).map((d, k) => ({
      ...d,
      id: `${m.conditionId}-${k}`,
      conditionId: m.conditionId,
      status: 'live',
      filled: 0,
      createdAt: 0,
      quotedMid: 0.5,
    })),
  )
  const moved: BookPair[] = markets.map((m) => ({
    yes: view(m.yesTokenId, 0.52, 0.54),
    no: view(m.noTokenId, 0.46, 0.48),
  }))
  const config: DiffConfig = {
    ...DEFAULT_DIFF_CONFIG,
    tickSize: 0.01,
    requoteMidTicks: 1,
    requoteQueueLevels: 2,
    orderMaxAgeMs: 12_000,
  }
  const diff = (i: number, m: Market) => {
    const books = moved[i] as BookPair
    return diffOrders({
      desired: desired(m, 0.53),
      live: resting[i] as LiveOrder[],
      books: [books.yes, books.no],
      mid: yesMid(books) ?? 0.5,
      now: 1000,
      config,
    })
  }

  let sink = 0
  const full = measure(
    `full requote ${MARKETS} markets × ${2 * LAYERS} orders (diff + sign)`,
    40,
    () => {
      for (let i = 0; i < MARKETS; i++) {
        const m = markets[i] as Market
        const d = diff(i, m)
        for (const intent of d.place) sink += factory.build(intent, m, 1000).id.length
        sink += d.cancel.length
      }
    },
    5,
  )
  const diffOnly = measure(`diff only, ${MARKETS} markets`, 400, () => {
    for (let i = 0; i < MARKETS; i++) {
      const m = markets[i] as Market
      sink += diff(i, m).place.length
    }
  })
  if (sink < 0) throw new Error('unreachable')
  const perOrder = full.medianUs / (MARKETS * 2 * LAYERS)
  return [{ ...full, note: `${perOrder.toFixed(0)} µs per order (build + sign)` }, diffOnly]
}
