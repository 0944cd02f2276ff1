// One market's order book in YES-price space. Both tokens' orders live here: BUY YES and SELL NO are bids,
// SELL YES and BUY NO are asks (NO prices mirrored to 1 − p). Levels sit in dense arrays indexed by price units,
// so insert, cancel and best-price access are O(1); each level is a FIFO linked list (time priority).
import { PRICE_SCALE } from './units.ts'

export type BookSide = 0 | 1 // 0 = bid, 1 = ask

export type BookNode = {
  yesPrice: number
  ySide: BookSide
  remaining: number
  prev: BookNode | undefined
  next: BookNode | undefined
  resting: boolean
}

export type Level<N extends BookNode> = { price: number; total: number; count: number; head?: N; tail?: N }

/** One level's new total, with the YES-space top of book right after it (bestBid -1 / bestAsk PRICE_SCALE+1: empty). */
export type LevelChange = { ySide: BookSide; price: number; total: number; bestBid: number; bestAsk: number }

export class YesBook<N extends BookNode> {
  readonly bids: Array<Level<N> | undefined> = new Array(PRICE_SCALE + 1)
  readonly asks: Array<Level<N> | undefined> = new Array(PRICE_SCALE + 1)
  bestBid = -1
  bestAsk = PRICE_SCALE + 1
  private changes: LevelChange[] = []

  level(ySide: BookSide, price: number): Level<N> | undefined {
    return ySide === 0 ? this.bids[price] : this.asks[price]
  }

  add(node: N): void {
    const arr = node.ySide === 0 ? this.bids : this.asks
    let lvl = arr[node.yesPrice]
    if (!lvl) {
      lvl = { price: node.yesPrice, total: 0, count: 0 }
      arr[node.yesPrice] = lvl
    }
    node.prev = lvl.tail
    node.next = undefined
    if (lvl.tail) lvl.tail.next = node
    else lvl.head = node
    lvl.tail = node
    lvl.count++
    lvl.total += node.remaining
    node.resting = true
    if (node.ySide === 0) {
      if (node.yesPrice > this.bestBid) this.bestBid = node.yesPrice
    } else if (node.yesPrice < this.bestAsk) this.bestAsk = node.yesPrice
    this.markDirty(node.ySide, lvl)
  }

  /** Reduce a resting node by `amount`; unlinks it when nothing remains. */
  reduce(node: N, amount: number): void {
    const lvl = this.level(node.ySide, node.yesPrice)
    if (!lvl || !node.resting) return
    node.remaining -= amount
    lvl.total -= amount
    if (node.remaining <= 0) this.unlink(node, lvl)
    this.markDirty(node.ySide, lvl)
  }

  remove(node: N): void {
    const lvl = this.level(node.ySide, node.yesPrice)
    if (!lvl || !node.resting) return
    lvl.total -= node.remaining
    this.unlink(node, lvl)
    this.markDirty(node.ySide, lvl)
  }

  private unlink(node: N, lvl: Level<N>): void {
    const prev = node.prev as N | undefined
    const next = node.next as N | undefined
    if (prev) prev.next = next
    else lvl.head = next
    if (next) next.prev = prev
    else lvl.tail = prev
    node.prev = undefined
    node.next = undefined
    node.resting = false
    lvl.count--
    if (lvl.count === 0) {
      lvl.total = 0
      if (node.ySide === 0) {
        this.bids[lvl.price] = undefined
        if (lvl.price === this.bestBid) {
          let p = lvl.price - 1
          while (p >= 0 && !this.bids[p]) p--
          this.bestBid = p
        }
      } else {
        this.asks[lvl.price] = undefined
        if (lvl.price === this.bestAsk) {
          let p = lvl.price + 1
          while (p <= PRICE_SCALE && !this.asks[p]) p++
          this.bestAsk = p
        }
      }
    }
  }

  /**
   * Changes are kept in the order they happened, each with the top of book after it, because the feed promises
   * per-entry best_bid/best_ask (protocol doc §1.4) and a client checks its book after every entry. Only
   * back-to-back changes of the same level merge (a taker walking one level's queue): no state in between is lost.
   */
  private markDirty(ySide: BookSide, lvl: Level<N>): void {
    const last = this.changes[this.changes.length - 1]
    if (last && last.ySide === ySide && last.price === lvl.price) {
      last.total = lvl.total
      last.bestBid = this.bestBid
      last.bestAsk = this.bestAsk
      return
    }
    this.changes.push({ ySide, price: lvl.price, total: lvl.total, bestBid: this.bestBid, bestAsk: this.bestAsk })
  }

  /** Level changes since the last call, in the order they happened (back-to-back changes of one level merged). */
  takeChanges(): LevelChange[] {
    if (this.changes.length === 0) return []
    const out = this.changes
    this.changes = []
    return out
  }

  /** Levels best-first: bids descending, asks ascending. */
  levels(ySide: BookSide, maxLevels = Number.POSITIVE_INFINITY): Array<{ price: number; total: number }> {
    const out: Array<{ price: number; total: number }> = []
    if (ySide === 0) {
      for (let p = this.bestBid; p >= 0 && out.length < maxLevels; p--) {
        const l = this.bids[p]
        if (l) out.push({ price: p, total: l.total })
      }
    } else {
      for (let p = this.bestAsk; p <= PRICE_SCALE && out.length < maxLevels; p++) {
        const l = this.asks[p]
        if (l) out.push({ price: p, total: l.total })
      }
    }
    return out
  }

  hasBid(): boolean {
    return this.bestBid >= 0
  }

  hasAsk(): boolean {
    return this.bestAsk <= PRICE_SCALE
  }
}
