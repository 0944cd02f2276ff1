/**
 * Rolling trade statistics of one token from `last_trade_price` events: trades per minute, signed size
 * imbalance (buy − sell over buy + sell, in [−1, 1]; `side` is the taker's) and the last price, over a sliding
 * window. Trades are kept in a ring that grows only when a burst exceeds it.
 */

export interface TradeStats {
  readonly tradesPerMin: number
  /** (taker buy size − taker sell size) / total size in the window; 0 without trades. */
  readonly imbalance: number
  readonly lastPrice: number | undefined
  readonly lastSide: 'BUY' | 'SELL' | undefined
  /** ms UTC (local clock) of the last trade; 0 before any. */
  readonly lastAt: number
  readonly count: number
}

export interface TradeWindow {
  record(now: number, price: number, size: number, side: 'BUY' | 'SELL'): void
  stats(now: number): TradeStats
}

export function createTradeWindow(windowMs: number): TradeWindow {
  let times = new Float64Array(16)
  let sizes = new Float64Array(16)
  let head = 0 // oldest
  let len = 0
  let buy = 0
  let sell = 0
  let lastPrice: number | undefined
  let lastSide: 'BUY' | 'SELL' | undefined
  let lastAt = 0

  function expire(now: number): void {
    const cap = times.length
    while (len > 0 && (times[head] as number) <= now - windowMs) {
      const s = sizes[head] as number
      if (s >= 0) buy -= s
      else sell += s
      head = (head + 1) % cap
      len--
    }
    // Float drift of the running sums must not leave a tiny non-zero imbalance on an empty window.
    if (len === 0) buy = sell = 0
  }

  function grow(): void {
    const cap = times.length
    const t2 = new Float64Array(cap * 2)
    const s2 = new Float64Array(cap * 2)
    for (let i = 0; i < len; i++) {
      t2[i] = times[(head + i) % cap] as number
      s2[i] = sizes[(head + i) % cap] as number
    }
    times = t2
    sizes = s2
    head = 0
  }

  return {
    record(now, price, size, side) {
      expire(now)
      if (len === times.length) grow()
      const at = (head + len) % times.length
      const signed = side === 'BUY' ? size : -size
      times[at] = now
      sizes[at] = signed
      len++
      if (signed >= 0) buy += size
      else sell += size
      lastPrice = price
      lastSide = side
      lastAt = now
    },
    stats(now) {
      expire(now)
      const total = buy + sell
      return {
        tradesPerMin: (len * 60_000) / windowMs,
        imbalance: total > 0 ? (buy - sell) / total : 0,
        lastPrice,
        lastSide,
        lastAt,
        count: len,
      }
    },
  }
}
