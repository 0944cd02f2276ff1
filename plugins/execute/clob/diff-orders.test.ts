import { describe, expect, test } from 'bun:test'
import type { BookView, Level, OrderIntent, OrderStatus } from '../../../schemas/domain.ts'
import { createRng } from '../../quoting-math/rng.ts'
import {
  DEFAULT_DIFF_CONFIG,
  type DiffConfig,
  type DiffInput,
  type DiffLiveOrder,
  desiredExposureCaps,
  diffOrders,
  yesMid,
} from './diff-orders.ts'

const YES = '111'
const NO = '222'
const TICK = 0.01
const NOW = 1_760_000_000_000

/** A book from price lists, best first. */
function book(tokenId: string, bids: number[], asks: number[]): BookView {
  const lv = (p: number): Level => ({ price: p, size: 100 })
  return {
    tokenId,
    state: 'fresh',
    stateReason: '',
    tickSize: TICK,
    updatedAt: NOW,
    bestBid: () => (bids[0] === undefined ? undefined : lv(bids[0])),
    bestAsk: () => (asks[0] === undefined ? undefined : lv(asks[0])),
    bids: (d) => bids.slice(0, d).map(lv),
    asks: (d) => asks.slice(0, d).map(lv),
    levelsAhead: (side, price) =>
      side === 'bid' ? bids.filter((p) => p > price + 1e-9).length : asks.filter((p) => p < price - 1e-9).length,
  }
}

const BOOKS = [book(YES, [0.49, 0.48, 0.47, 0.46], [0.51, 0.52, 0.53, 0.54]), book(NO, [0.49, 0.48], [0.51, 0.52])]

function intent(price: number, layer: number, quoteSide: 'bid' | 'ask' = 'bid', size = 10): OrderIntent {
  return { tokenId: YES, side: quoteSide === 'bid' ? 'BUY' : 'SELL', price, size, layer, quoteSide }
}

let seq = 0
function live(
  o: OrderIntent,
  extra: Partial<{
    status: OrderStatus
    filled: number
    createdAt: number
    quotedMid: number
    cancelRequestedAt: number
  }> = {},
): DiffLiveOrder {
  seq += 1
  return {
    ...o,
    id: `0x${seq.toString(16).padStart(64, '0')}`,
    conditionId: `0x${'c'.repeat(64)}`,
    status: extra.status ?? 'live',
    filled: extra.filled ?? 0,
    createdAt: extra.createdAt ?? NOW - 10_000,
    quotedMid: extra.quotedMid ?? 0.5,
    cancelRequestedAt: extra.cancelRequestedAt,
  }
}

const CFG: DiffConfig = { ...DEFAULT_DIFF_CONFIG, tickSize: TICK, requoteMidTicks: 2, requoteQueueLevels: 2 }

function diff(desired: OrderIntent[], orders: DiffLiveOrder[], extra: Partial<DiffInput> = {}) {
  return diffOrders({ desired, live: orders, books: BOOKS, mid: 0.5, now: NOW, config: CFG, ...extra })
}

describe('keeping queue places', () => {
  test('orders that match their levels are kept; nothing is sent', () => {
    const desired = [intent(0.49, 0), intent(0.48, 1), intent(0.51, 0, 'ask'), intent(0.52, 1, 'ask')]
    const orders = desired.map((d) => live(d))
    const r = diff(desired, orders)
    expect(r.keep).toHaveLength(4)
    expect(r.cancel).toHaveLength(0)
    expect(r.place).toHaveLength(0)
    expect(r.steps).toEqual([])
  })

  test('a partial fill within the size tolerance keeps its place; a larger one is replaced', () => {
    const d = intent(0.49, 0)
    expect(diff([d], [live(d, { status: 'partially_filled', filled: 1 })]).keep).toHaveLength(1)
    const r = diff([d], [live(d, { status: 'partially_filled', filled: 6 })])
    expect(r.cancel).toHaveLength(1)
    expect(r.place).toEqual([d])
  })

  test('a SELL larger than desired is never kept: the shares it holds are needed by the other SELLs', () => {
    // 25 shares held, wanted as two SELLs of 12.5; a live SELL of 14 is within the 20% tolerance of 12.5 but
    // would leave only 11 shares for the second one.
    const near = intent(0.51, 0, 'ask', 12.5)
    const far = intent(0.52, 1, 'ask', 12.5)
    const r = diff([near, far], [live(intent(0.51, 0, 'ask', 14))])
    expect(r.keep).toHaveLength(0)
    expect(r.place).toEqual([near, far])
    // A smaller SELL within the tolerance is kept, as a BUY larger than desired is.
    expect(diff([near], [live(intent(0.51, 0, 'ask', 11))]).keep).toHaveLength(1)
    expect(diff([intent(0.49, 0, 'bid', 10)], [live(intent(0.49, 0, 'bid', 11))]).keep).toHaveLength(1)
  })

  test('a small drift (under requote_mid_ticks) with an unmoved mid causes no churn', () => {
    const r = diff([intent(0.49, 0)], [live(intent(0.48, 0))])
    expect(r.keep).toHaveLength(1)
    expect(r.steps).toEqual([])
    expect(r.requoted).toEqual({})
  })

  test('a drift of exactly requote_mid_ticks is kept: a sub-threshold mid move can shift a rounded price that far', () => {
    const extra = { config: { ...CFG, requoteMidTicks: 1 }, books: [book(YES, [0.39, 0.38], [0.41])], mid: 0.4 }
    const r = diff([intent(0.39, 0)], [live(intent(0.38, 0), { quotedMid: 0.4 })], extra)
    expect(r.keep).toHaveLength(1)
    expect(r.steps).toEqual([])
    // Two ticks is beyond it: replaced.
    const far = diff([intent(0.4, 0)], [live(intent(0.38, 0), { quotedMid: 0.4 })], extra)
    expect(far.place).toEqual([intent(0.4, 0)])
  })

  test('finished orders are ignored', () => {
    const d = intent(0.49, 0)
    const r = diff([d], [live(d, { status: 'filled', filled: 10 }), live(d, { status: 'cancelled' })])
    expect(r.place).toEqual([d])
    expect(r.cancel).toHaveLength(0)
  })
})

describe('requote triggers', () => {
  test('the mid moved ≥ requote_mid_ticks: the side is requoted, the other side is not', () => {
    const oldBid = live(intent(0.48, 0), { quotedMid: 0.5 })
    const oldAsk = live(intent(0.52, 0, 'ask'), { quotedMid: 0.52 })
    // Mid now 0.52: the bid was quoted at 0.50 (2 ticks away), the ask at 0.52.
    const desired = [intent(0.5, 0), intent(0.53, 0, 'ask')]
    const r = diff(desired, [oldBid, oldAsk], { mid: 0.52, books: [book(YES, [0.51, 0.5, 0.49], [0.53, 0.54])] })
    expect(r.requoted).toEqual({ bid: 'mid-moved' })
    expect(r.cancel).toEqual([oldBid])
    expect(r.place).toEqual([intent(0.5, 0)])
    expect(r.keep).toEqual([oldAsk])
  })

  test('a mid move keeps the orders that still match exactly', () => {
    const keepMe = live(intent(0.47, 1), { quotedMid: 0.47 })
    const moveMe = live(intent(0.46, 0), { quotedMid: 0.47 })
    const r = diff([intent(0.49, 0), intent(0.47, 1)], [keepMe, moveMe], { mid: 0.5 })
    expect(r.requoted.bid).toBe('mid-moved')
    expect(r.keep).toEqual([keepMe])
    expect(r.cancel).toEqual([moveMe])
  })

  test('the best order fell ≥ requote_queue_levels behind the touch', () => {
    const deep = live(intent(0.47, 0))
    // Desired one tick below the old order: without the queue rule it would be kept as a small drift.
    const r = diff([intent(0.48, 0)], [deep])
    expect(r.requoted.bid).toBe('queue')
    expect(r.cancel).toEqual([deep])
    expect(r.place).toEqual([intent(0.48, 0)])
  })

  test('requote_queue_levels 0 turns the queue rule off', () => {
    const r = diff([intent(0.48, 0)], [live(intent(0.47, 0))], { config: { ...CFG, requoteQueueLevels: 0 } })
    expect(r.requoted.bid).toBeUndefined()
    expect(r.steps).toEqual([])
  })

  test("the queue rule reads each order in its own token's book", () => {
    // A bid side made of a YES buy two levels down and a NO sell at the NO touch: the side is at the touch.
    const yesBuy = live(intent(0.47, 0))
    const noSell = live({ tokenId: NO, side: 'SELL', price: 0.51, size: 10, layer: 1, quoteSide: 'bid' })
    const r = diff([intent(0.48, 0), { ...noSell, layer: 1 }], [yesBuy, noSell])
    expect(r.requoted.bid).toBeUndefined()
    expect(r.keep).toHaveLength(2)
  })

  test('an adopted order (quoted mid unknown) has its side re-examined; an exact match keeps its place', () => {
    const adoptedExact = live(intent(0.49, 0), { quotedMid: -1 })
    const adoptedOff = live(intent(0.45, 1), { quotedMid: -1 })
    const r = diff([intent(0.49, 0), intent(0.48, 1)], [adoptedExact, adoptedOff])
    expect(r.requoted.bid).toBe('mid-moved')
    expect(r.keep).toEqual([adoptedExact])
    expect(r.cancel).toEqual([adoptedOff])
    expect(r.place).toEqual([intent(0.48, 1)])
  })

  test('one level behind is not enough', () => {
    const r = diff([intent(0.47, 0)], [live(intent(0.48, 0))])
    expect(r.requoted.bid).toBeUndefined()
    expect(r.steps).toEqual([])
  })

  test('an order older than order_max_age is replaced at the same level', () => {
    const d = intent(0.49, 0)
    const old = live(d, { createdAt: NOW - CFG.orderMaxAgeMs })
    const r = diff([d], [old])
    expect(r.cancel).toEqual([old])
    expect(r.place).toEqual([d])
    expect(r.steps.map((s) => s.kind)).toEqual(['cancel', 'place'])
  })

  test('a pulled side is cancelled', () => {
    const bid = live(intent(0.49, 0))
    const ask = live(intent(0.51, 0, 'ask'))
    const r = diff([intent(0.51, 0, 'ask')], [bid, ask])
    expect(r.requoted.bid).toBe('pulled')
    expect(r.cancel).toEqual([bid])
    expect(r.keep).toEqual([ask])
  })
})

describe('unresolved orders are never duplicated', () => {
  test('a pending order at the desired level occupies it', () => {
    const d = intent(0.49, 0)
    const r = diff([d], [live(d, { status: 'pending' })])
    expect(r.place).toEqual([])
    expect(r.cancel).toEqual([])
  })

  test('an unknown order at the level, even with another size, blocks a replacement there', () => {
    const r = diff([intent(0.49, 0, 'bid', 20)], [live(intent(0.49, 0), { status: 'unknown' })])
    expect(r.place).toEqual([])
    expect(r.blockedByUnresolved).toEqual([])
    // Two desired at that level, one unknown holder: the second is blocked, not placed.
    const two = diff([intent(0.49, 0), { ...intent(0.49, 1), size: 5 }], [live(intent(0.49, 0), { status: 'unknown' })])
    expect(two.place).toEqual([])
    expect(two.blockedByUnresolved).toHaveLength(1)
  })

  test('an unknown order nobody wants is not cancelled but awaits resolution; it still counts as exposure', () => {
    const stray = live(intent(0.45, 0), { status: 'unknown' })
    const r = diff([intent(0.49, 0)], [stray], { config: { ...CFG, exposureCap: 0.45 * 10 + 1 } })
    expect(r.cancel).toEqual([])
    expect(r.awaitingResolution).toEqual([stray])
    expect(r.place).toEqual([])
    expect(r.deferred).toEqual([intent(0.49, 0)])
  })

  test('an order with a cancel in flight is not cancelled again and is not kept', () => {
    const going = live(intent(0.49, 0), { cancelRequestedAt: NOW - 100 })
    const r = diff([], [going])
    expect(r.cancel).toEqual([])
    expect(r.keep).toEqual([])
    expect(r.awaitingResolution).toEqual([])
  })
})

describe('swap ordering under the exposure cap', () => {
  test('cancels go first; places only once the exposure they free is confirmed', () => {
    const olds = [live(intent(0.45, 0), { quotedMid: 0.46 }), live(intent(0.44, 1), { quotedMid: 0.46 })]
    const desired = [intent(0.49, 0), intent(0.48, 1)]
    // Cap fits two orders: placing before cancelling would hold four.
    const r = diff(desired, olds, { config: { ...CFG, exposureCap: 10 } })
    expect(r.steps.map((s) => s.kind)).toEqual(['cancel', 'place'])
    expect(r.place).toHaveLength(2)
    expect(r.deferred).toHaveLength(0)
  })

  test('places that would break the cap are deferred, nearest the touch first', () => {
    const desired = [intent(0.49, 0), intent(0.48, 1), intent(0.47, 2)]
    const r = diff(desired, [], { config: { ...CFG, exposureCap: 10 } })
    expect(r.place).toEqual([intent(0.49, 0), intent(0.48, 1)])
    expect(r.deferred).toEqual([intent(0.47, 2)])
  })

  test('per-side caps from the desired orders: unresolved exposure on one side defers only that side', () => {
    const desired = [intent(0.49, 0), intent(0.51, 0, 'ask')]
    const caps = desiredExposureCaps(desired, 0.2)
    expect(caps.bid).toBeCloseTo(0.49 * 10 * 1.2)
    expect(caps.ask).toBeCloseTo(0.51 * 10 * 1.2)
    // A bid whose cancel failed (now unknown) still may rest: the new bid waits, the ask goes out.
    const stray = live(intent(0.45, 0), { status: 'unknown' })
    const r = diff(desired, [stray], { exposureCaps: caps })
    expect(r.place).toEqual([intent(0.51, 0, 'ask')])
    expect(r.deferred).toEqual([intent(0.49, 0)])
    expect(r.awaitingResolution).toEqual([stray])
  })

  test('yesMid: the YES book mid, undefined when a side is empty', () => {
    const [yes, no] = BOOKS as [BookView, BookView]
    expect(yesMid({ yes, no })).toBeCloseTo(0.5)
    expect(yesMid({ yes: book(YES, [], [0.51]), no })).toBeUndefined()
  })

  test('batches of at most 15 orders', () => {
    const desired = Array.from({ length: 40 }, (_, i) => ({ ...intent(0.49, i), tokenId: `${i}` }))
    const r = diff(desired, [])
    expect(r.steps.map((s) => s.orders.length)).toEqual([15, 15, 10])
  })
})

describe('property: random books of orders', () => {
  const statuses: OrderStatus[] = [
    'live',
    'live',
    'live',
    'partially_filled',
    'pending',
    'unknown',
    'filled',
    'cancelled',
  ]

  test('3,000 cases: partition, no duplicate levels, batches, exposure never above the cap', () => {
    const r = createRng(99)
    const exposureOf = (o: OrderIntent, rem: number) => rem * o.price
    for (let n = 0; n < 3000; n++) {
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)] as T
      const randomIntent = (layer: number): OrderIntent => {
        const quoteSide = r() < 0.5 ? 'bid' : 'ask'
        const tokenId = r() < 0.7 ? YES : NO
        const side = quoteSide === 'bid' ? (tokenId === YES ? 'BUY' : 'SELL') : tokenId === YES ? 'SELL' : 'BUY'
        return {
          tokenId,
          side,
          price: (35 + Math.floor(r() * 30)) / 100,
          size: 5 + Math.floor(r() * 4) * 5,
          layer,
          quoteSide,
        }
      }
      const desired = Array.from({ length: Math.floor(r() * 10) }, (_, i) => randomIntent(i % 3))
      const orders = Array.from({ length: Math.floor(r() * 10) }, (_, i) => {
        const base = r() < 0.4 && desired.length > 0 ? pick(desired) : randomIntent(i % 3)
        const status = pick(statuses)
        return live(base, {
          status,
          filled: status === 'partially_filled' ? 1 + Math.floor(r() * 3) : 0,
          createdAt: NOW - Math.floor(r() * 2 * CFG.orderMaxAgeMs),
          quotedMid: 0.5 + (Math.floor(r() * 5) - 2) * TICK,
          cancelRequestedAt: r() < 0.1 ? NOW - 50 : undefined,
        })
      })
      const cap = r() < 0.3 ? Number.POSITIVE_INFINITY : 5 + r() * 60
      // Sometimes per-side caps override the config's one.
      const exposureCaps = r() < 0.3 ? { bid: 5 + r() * 60, ask: 5 + r() * 60 } : undefined
      const capOf = (side: 'bid' | 'ask') => exposureCaps?.[side] ?? cap
      const config = {
        ...CFG,
        exposureCap: cap,
        maxPlaceBatch: 1 + Math.floor(r() * 15),
        maxCancelBatch: 1 + Math.floor(r() * 5),
      }
      const res = diffOrders({
        desired,
        live: orders,
        books: BOOKS,
        mid: 0.5,
        now: NOW,
        config,
        exposureOf,
        exposureCaps,
      })

      const open = orders.filter((o) => ['pending', 'unknown', 'live', 'partially_filled'].includes(o.status))
      const unresolved = open.filter(
        (o) => o.status === 'pending' || o.status === 'unknown' || o.cancelRequestedAt !== undefined,
      )
      const resolved = open.filter((o) => !unresolved.includes(o))
      // keep + cancel partition the resolved open orders; unresolved ones are never cancelled.
      expect(new Set([...res.keep, ...res.cancel])).toEqual(new Set(resolved))
      expect(res.keep.length + res.cancel.length).toBe(resolved.length)
      for (const o of unresolved) expect(res.cancel).not.toContain(o)
      // Nothing placed at a level an unresolved order holds.
      const key = (o: OrderIntent) => `${o.tokenId}|${o.side}|${Math.round(o.price / TICK)}`
      const held = new Set(unresolved.map(key))
      for (const p of res.place) expect(held.has(key(p))).toBe(false)
      // Every desired order ends up exactly once: matched, placed, deferred or blocked.
      const accounted = res.keep.length + res.place.length + res.deferred.length + res.blockedByUnresolved.length
      expect(accounted).toBeLessThanOrEqual(desired.length)
      expect(accounted).toBeGreaterThanOrEqual(desired.length - unresolved.length)
      if (unresolved.length === 0 && cap === Number.POSITIVE_INFINITY && !exposureCaps) {
        expect(res.keep.length + res.place.length).toBe(desired.length)
      }
      // Steps: all cancels before all places, batch sizes respected.
      const kinds = res.steps.map((s) => s.kind)
      expect(kinds.join(',')).toMatch(/^(cancel,)*(cancel)?(,?place)*$/)
      for (const s of res.steps) {
        expect(s.orders.length).toBeGreaterThan(0)
        expect(s.orders.length).toBeLessThanOrEqual(s.kind === 'place' ? config.maxPlaceBatch : config.maxCancelBatch)
      }
      // Simulated worst-case exposure per side through the steps.
      const exp = { bid: 0, ask: 0 }
      for (const o of open) exp[o.quoteSide] += exposureOf(o, o.size - o.filled)
      const start = { ...exp }
      for (const s of res.steps) {
        if (s.kind === 'cancel') {
          for (const o of s.orders as DiffLiveOrder[]) exp[o.quoteSide] -= exposureOf(o, o.size - o.filled)
        } else {
          // A side that grows must end the step within the cap.
          for (const o of s.orders) exp[o.quoteSide] += exposureOf(o, o.size)
          for (const o of s.orders) expect(exp[o.quoteSide]).toBeLessThanOrEqual(capOf(o.quoteSide) + 1e-9)
        }
        expect(exp.bid).toBeLessThanOrEqual(Math.max(capOf('bid'), start.bid) + 1e-9)
        expect(exp.ask).toBeLessThanOrEqual(Math.max(capOf('ask'), start.ask) + 1e-9)
      }
    }
  })
})
