// The exchange core: markets, accounts, price-time matching across the YES/NO pair (mint and merge), balance
// reservation by open orders, taker fees and settlement. Pure and synchronous: time comes from `now()`, ids from a
// seeded PRNG, and every state change is reported through `onEvent` in the order the wire should show it.
import { YesBook } from './book.ts'
import { priceOf } from './catalog.ts'
import {
  type Account,
  type EngineEvent,
  type EngineOptions,
  ERR,
  type MarketState,
  type OrderStatus,
  type PlaceInput,
  type PlaceResult,
  type SimOrder,
  type SimTrade,
  type TradeStatus,
} from './engine-types.ts'
import { addTok, applyFill, releaseBought, revertFill, sellable } from './ledger.ts'
import { availableLiquidity, feeMicro, validate, yesSpace } from './order-rules.ts'
import { createPrng, type Prng } from './prng.ts'
import { cashFor, PRICE_SCALE, tickToUnits } from './units.ts'

export * from './engine-types.ts'

export type Engine = ReturnType<typeof createEngine>

const EXTREME_HIGH = 9600
const EXTREME_LOW = 400

export function createEngine(opts: EngineOptions) {
  const now = opts.now
  const prng: Prng = createPrng((opts.seed ?? 1) ^ 0x5eed)
  const initialBalance = opts.initialBalanceMicro ?? 10_000 * 1_000_000
  const holdBought = opts.settleOnMatch !== true
  const listeners: Array<(e: EngineEvent) => void> = opts.onEvent ? [opts.onEvent] : []
  const emit = (e: EngineEvent) => {
    for (const l of listeners) l(e)
  }

  const markets: MarketState[] = opts.markets.map((spec) => ({
    spec,
    book: new YesBook<SimOrder>(),
    tick: tickToUnits(spec.tickSize),
    baseTick: tickToUnits(spec.tickSize),
    lastTradePrice: undefined,
    lastTradeSide: 'BUY',
    accepting: spec.acceptingOrders,
    closed: false,
  }))
  const byToken = new Map<string, { market: MarketState; outcome: 0 | 1 }>()
  const byCondition = new Map<string, MarketState>()
  for (const m of markets) {
    byToken.set(m.spec.tokens[0], { market: m, outcome: 0 })
    byToken.set(m.spec.tokens[1], { market: m, outcome: 1 })
    byCondition.set(m.spec.conditionId, m)
  }

  const accounts = new Map<string, Account>()
  const orders = new Map<string, SimOrder>()
  const trades = new Map<string, SimTrade>()
  const gtd = new Set<SimOrder>()

  function hex(nBytes: number): string {
    let s = ''
    for (let i = 0; i < nBytes / 4; i++)
      s += Math.floor(prng.next() * 4294967296)
        .toString(16)
        .padStart(8, '0')
    return s
  }
  const newTradeId = () => {
    const h = hex(16)
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
  }

  // Shares credited by hand (a transfer in, as the admin route models it) are holdings the Data API lists like any
  // other: the position follows the balance, valued at the market's price when they arrive.
  function syncPosition(a: Account, tokenId: string, micro: number): void {
    const size = micro / 1_000_000
    const pos = a.positions.get(tokenId) ?? { size: 0, avgPrice: 0, totalBought: 0, realizedPnl: 0 }
    const loc = byToken.get(tokenId)
    if (size > pos.size && loc) {
      const px = priceOf(loc.market, loc.outcome)
      pos.avgPrice = (pos.avgPrice * pos.size + px * (size - pos.size)) / size
    }
    pos.size = Math.max(0, size)
    a.positions.set(tokenId, pos)
  }

  function account(address: string, unlimited = false): Account {
    const key = address.toLowerCase()
    let a = accounts.get(key)
    if (!a) {
      a = {
        address: key,
        cash: unlimited ? 0 : initialBalance,
        reservedCash: 0,
        tokens: new Map(),
        reservedTokens: new Map(),
        unsettledTokens: new Map(),
        positions: new Map(),
        unlimited,
        open: new Set(),
        trades: [],
      }
      accounts.set(key, a)
    }
    return a
  }

  /** Re-derive a resting order's reservation from its remaining size (no rounding drift). */
  function reserve(o: SimOrder): void {
    const a = o.account
    if (a.unlimited) return
    if (o.side === 'BUY') {
      const next = o.resting ? cashFor(o.remaining, o.price) : 0
      a.reservedCash += next - o.reservedCash
      o.reservedCash = next
    }
  }

  function releaseTokens(o: SimOrder, qty: number): void {
    if (o.side === 'SELL' && !o.account.unlimited) addTok(o.account.reservedTokens, o.tokenId, -qty)
  }

  function finish(o: SimOrder, status: OrderStatus): void {
    o.status = status
    o.account.open.delete(o)
    gtd.delete(o)
    // Flow-bot orders are never queried later; dropping them keeps memory flat over long runs.
    if (o.account.unlimited) orders.delete(o.id)
  }

  /** Stop accepting and cancel every resting order of the market, then say it closed. */
  function close(m: MarketState): void {
    m.closed = true
    m.accepting = false
    const victims: SimOrder[] = []
    for (const a of accounts.values()) for (const o of a.open) if (o.market === m) victims.push(o)
    for (const o of victims) cancelOrder(o)
    flushBook(m)
    for (const o of victims) if (!o.account.unlimited) emit({ type: 'order', kind: 'CANCELLATION', order: o })
    emit({ type: 'market_closed', market: m })
  }

  function checkTick(market: MarketState): void {
    const p = market.lastTradePrice
    if (p === undefined || market.baseTick < 100) return
    const fine = market.tick < market.baseTick
    // Hysteresis: finer beyond 0.96 / below 0.04, coarse again only back inside [0.94, 0.06].
    const extreme = fine ? p > EXTREME_HIGH - 200 || p < EXTREME_LOW + 200 : p > EXTREME_HIGH || p < EXTREME_LOW
    const want = extreme ? market.baseTick / 10 : market.baseTick
    if (want !== market.tick) {
      const old = market.tick
      market.tick = want
      emit({ type: 'tick_size_change', market, oldTick: old, newTick: want })
    }
  }

  function place(input: PlaceInput, opts2: { unlimited?: boolean } = {}): PlaceResult {
    const loc = byToken.get(input.tokenId)
    if (!loc) return { ok: false, errorMsg: ERR.insert }
    const market = loc.market
    const price = validate(input, market, opts2.unlimited === true, now(), (id) => orders.has(id))
    if (typeof price === 'string') return { ok: false, errorMsg: price }
    const a = account(input.address, opts2.unlimited)
    const { ySide, yesPrice } = yesSpace(loc.outcome, input.side, price)

    const crosses = ySide === 0 ? market.book.bestAsk <= yesPrice : market.book.bestBid >= yesPrice
    if (input.postOnly && crosses) return { ok: false, errorMsg: ERR.postOnlyCross }

    if (!a.unlimited) {
      if (input.side === 'BUY') {
        const bound = Math.round(input.size * (market.spec.feeRateBps / 10_000) * 0.25 ** market.spec.feeExponent)
        const need = cashFor(input.size, price) + (crosses ? bound : 0)
        if (a.cash - a.reservedCash < need) return { ok: false, errorMsg: ERR.balance }
      } else if (sellable(a, input.tokenId) < input.size) {
        return { ok: false, errorMsg: ERR.balance }
      }
    }
    if (input.orderType === 'FOK' && availableLiquidity(market, ySide, yesPrice, input.size) < input.size)
      return { ok: false, errorMsg: ERR.fok }

    const t = now()
    const order: SimOrder = {
      id: input.id,
      market,
      account: a,
      owner: input.owner,
      tokenId: input.tokenId,
      outcome: loc.outcome,
      side: input.side,
      price,
      originalSize: input.size,
      matched: 0,
      reservedCash: 0,
      orderType: input.orderType,
      expiration: input.expiration ?? 0,
      createdAt: t,
      status: 'LIVE',
      associateTrades: [],
      yesPrice,
      ySide,
      remaining: input.size,
      prev: undefined,
      next: undefined,
      resting: false,
    }
    orders.set(order.id, order)

    const made: SimTrade[] = []
    const touchedMakers: SimOrder[] = []
    let making = 0
    let taking = 0
    const book = market.book
    while (order.remaining > 0) {
      const best = ySide === 0 ? book.bestAsk : book.bestBid
      if (ySide === 0 ? best > yesPrice : best < yesPrice) break
      const lvl = ySide === 0 ? book.asks[best] : book.bids[best]
      const maker = lvl?.head
      if (!maker) break
      const qty = Math.min(order.remaining, maker.remaining)
      const takerOwn = order.outcome === 0 ? best : PRICE_SCALE - best
      const makerOwn = maker.price
      const fee = a.unlimited ? 0 : feeMicro(market, qty, takerOwn)
      applyFill(order, qty, takerOwn, fee, holdBought)
      applyFill(maker, qty, makerOwn, 0, holdBought)
      order.remaining -= qty
      order.matched += qty
      maker.matched += qty
      book.reduce(maker, qty)
      reserve(maker)
      releaseTokens(maker, qty)
      if (order.side === 'BUY') {
        making += cashFor(qty, takerOwn)
        taking += qty
      } else {
        making += qty
        taking += cashFor(qty, takerOwn)
      }
      let trade = made[made.length - 1]
      if (!trade || trade.yesPrice !== best) {
        trade = {
          id: newTradeId(),
          market,
          taker: order,
          price: takerOwn,
          size: 0,
          yesPrice: best,
          makers: [],
          status: 'MATCHED',
          matchTime: t,
          lastUpdate: t,
          transactionHash: `0x${hex(32)}`,
          feeRateBps: market.spec.feeRateBps,
          fee: 0,
          reverted: false,
          settled: !holdBought,
        }
        made.push(trade)
        order.associateTrades.push(trade.id)
      }
      trade.size += qty
      trade.fee += fee
      trade.makers.push({ order: maker, matched: qty, price: makerOwn })
      if (!maker.associateTrades.includes(trade.id)) maker.associateTrades.push(trade.id)
      if (!touchedMakers.includes(maker)) touchedMakers.push(maker)
      if (maker.remaining <= 0) finish(maker, 'MATCHED')
    }

    let status: 'live' | 'matched' | 'unmatched' = order.matched > 0 ? 'matched' : 'live'
    if (order.remaining > 0 && (input.orderType === 'FAK' || input.orderType === 'FOK')) {
      if (order.matched === 0) status = 'unmatched'
      finish(order, order.matched > 0 ? 'MATCHED' : 'CANCELED')
    } else if (order.remaining > 0) {
      book.add(order)
      a.open.add(order)
      if (!a.unlimited) {
        if (order.side === 'SELL') addTok(a.reservedTokens, order.tokenId, order.remaining)
        reserve(order)
      }
      if (input.orderType === 'GTD') gtd.add(order)
    } else {
      finish(order, 'MATCHED')
    }

    for (const tr of made) {
      market.lastTradePrice = tr.yesPrice
      market.lastTradeSide = ySide === 0 ? 'BUY' : 'SELL'
      recordTrade(tr)
    }
    flushBook(market, made.length > 0)
    if (made.length > 0) {
      emit({ type: 'trades', market, trades: made })
      for (const tr of made) emit({ type: 'trade_status', trade: tr })
    }
    emit({ type: 'order', kind: 'PLACEMENT', order })
    for (const mk of touchedMakers) emit({ type: 'order', kind: 'UPDATE', order: mk })
    if (made.length > 0) checkTick(market)
    return { ok: true, order, trades: made, status, makingAmount: making, takingAmount: taking }
  }

  function recordTrade(tr: SimTrade): void {
    const parties = new Set<Account>([tr.taker.account, ...tr.makers.map((m) => m.order.account)])
    let keep = false
    for (const p of parties) {
      if (p.unlimited) continue
      p.trades.push(tr)
      keep = true
    }
    if (keep) trades.set(tr.id, tr)
  }

  // Inside `batch`, level changes accumulate and leave as one price_change per market at the end.
  let batching = 0
  const pendingFlush = new Set<MarketState>()

  function flushBook(market: MarketState, force = false): void {
    if (batching > 0 && !force) {
      pendingFlush.add(market)
      return
    }
    pendingFlush.delete(market)
    const changes = market.book.takeChanges()
    if (changes.length > 0) emit({ type: 'price_change', market, changes })
  }

  function batch<T>(fn: () => T): T {
    batching++
    try {
      return fn()
    } finally {
      batching--
      if (batching === 0) for (const m of [...pendingFlush]) flushBook(m)
    }
  }

  function cancelOrder(o: SimOrder, status: OrderStatus = 'CANCELED'): void {
    o.market.book.remove(o)
    reserve(o)
    releaseTokens(o, o.remaining)
    finish(o, status)
  }

  /** Cancel by id on behalf of `address`; returns undefined on success or the not_canceled reason. */
  function cancel(id: string, address: string): string | undefined {
    const o = orders.get(id)
    if (!o || o.account.address !== address.toLowerCase()) return 'order not found'
    if (!o.resting) return 'already canceled or matched'
    cancelOrder(o)
    flushBook(o.market)
    emit({ type: 'order', kind: 'CANCELLATION', order: o })
    return undefined
  }

  // Each touched book flushes once (one price_change per market), then one CANCELLATION per order.
  function cancelMany(victims: SimOrder[]): string[] {
    const touched = new Set<MarketState>()
    for (const o of victims) {
      cancelOrder(o)
      touched.add(o.market)
    }
    for (const m of touched) flushBook(m)
    for (const o of victims) emit({ type: 'order', kind: 'CANCELLATION', order: o })
    return victims.map((o) => o.id)
  }

  function cancelWhere(address: string, pred: (o: SimOrder) => boolean): string[] {
    const a = accounts.get(address.toLowerCase())
    return a ? cancelMany([...a.open].filter(pred)) : []
  }

  /** Internal liquidity only: shrink a resting order in place (keeps its queue position). */
  function shrink(id: string, amount: number): void {
    const o = orders.get(id)
    if (!o?.resting || amount <= 0) return
    if (amount >= o.remaining) {
      cancelOrder(o)
      flushBook(o.market)
      return
    }
    o.market.book.reduce(o, amount)
    reserve(o)
    releaseTokens(o, amount)
    flushBook(o.market)
  }

  function expire(nowMs: number): string[] {
    return cancelMany([...gtd].filter((o) => o.expiration > 0 && o.expiration * 1000 <= nowMs))
  }

  function failTrade(tr: SimTrade): void {
    if (tr.reverted) return
    tr.reverted = true
    const held = !tr.settled
    tr.settled = true
    revertFill(tr.taker, tr.size, tr.price, tr.fee, held)
    for (const f of tr.makers) revertFill(f.order, f.matched, f.price, 0, held)
    setTradeStatus(tr, 'FAILED')
  }

  /** The trade reached the settlement point: its bought shares become sellable (once). */
  function settleTrade(tr: SimTrade): void {
    if (tr.settled || tr.reverted) return
    tr.settled = true
    releaseBought(tr.taker, tr.size)
    for (const f of tr.makers) releaseBought(f.order, f.matched)
  }

  function setTradeStatus(tr: SimTrade, status: TradeStatus): void {
    tr.status = status
    tr.lastUpdate = now()
    emit({ type: 'trade_status', trade: tr })
  }

  return {
    markets,
    market: (conditionId: string) => byCondition.get(conditionId),
    token: (tokenId: string) => byToken.get(tokenId),
    account,
    findAccount: (address: string) => accounts.get(address.toLowerCase()),
    accounts: () => accounts.values(),
    order: (id: string) => orders.get(id),
    trade: (id: string) => trades.get(id),
    place,
    cancel,
    cancelAll: (address: string) => cancelWhere(address, () => true),
    cancelMarket: (address: string, market?: string, assetId?: string) =>
      cancelWhere(
        address,
        (o) => (!market || o.market.spec.conditionId === market) && (!assetId || o.tokenId === assetId),
      ),
    expire,
    shrink,
    batch,
    setTradeStatus,
    settleTrade,
    failTrade,
    subscribe(fn: (e: EngineEvent) => void): () => void {
      listeners.push(fn)
      return () => {
        const i = listeners.indexOf(fn)
        if (i >= 0) listeners.splice(i, 1)
      }
    },
    /** Close every market whose end date has passed: stop accepting and cancel all its resting orders. */
    closeEnded(nowMs: number): MarketState[] {
      const closed: MarketState[] = []
      for (const m of markets) {
        if (m.closed || Date.parse(m.spec.endDate) > nowMs) continue
        close(m)
        closed.push(m)
      }
      return closed
    },
    /** Admin: close a market before its end date (the drill's "market closes"); false when unknown. */
    closeMarket(conditionId: string): boolean {
      const m = byCondition.get(conditionId)
      if (!m) return false
      if (!m.closed) close(m)
      return true
    },
    /**
     * Admin: the exchange changes a market's tick size. Resting orders keep their prices (an assumption: the
     * protocol notes say nothing of orders off a coarser grid); new ones must be on it. The price-driven hysteresis
     * works around the new size.
     */
    setTickSize(conditionId: string, tickSize: number): boolean {
      const m = byCondition.get(conditionId)
      if (!m) return false
      const want = tickToUnits(tickSize)
      m.baseTick = want
      if (want !== m.tick) {
        const old = m.tick
        m.tick = want
        emit({ type: 'tick_size_change', market: m, oldTick: old, newTick: want })
      }
      return true
    },
    setAccepting(conditionId: string, accepting: boolean): boolean {
      const m = byCondition.get(conditionId)
      if (!m) return false
      m.accepting = accepting
      return true
    },
    /** Admin: overwrite balances (micro units). Reservations are untouched. */
    setBalances(address: string, cash?: number, tokens?: Record<string, number>): Account {
      const a = account(address)
      if (cash !== undefined) a.cash = cash
      for (const [t, v] of Object.entries(tokens ?? {})) {
        a.tokens.set(t, v)
        syncPosition(a, t, v)
      }
      return a
    },
    now,
  }
}
