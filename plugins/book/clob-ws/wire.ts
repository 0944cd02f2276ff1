import { z } from 'zod'

/**
 * Market-channel events (protocol doc §1.3–§1.4). Numbers arrive as JSON strings; a frame is one event or an
 * array of events. The zod schemas are the contract. `price_change`, the hot path, also has a hand-written
 * guard (`readPriceChange`) that accepts exactly what its schema accepts without building a copy: zod costs
 * about as much as JSON.parse itself, and the ingest budget is twice JSON.parse. Tests check both agree.
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/**
 * Value of a plain non-negative decimal ("0.5", "200", "3149725.72"), or NaN for anything else (sign, exponent,
 * hex, spaces, empty). Equal to Number(s) on what it accepts: the digits form an exact integer and 10^k is exact,
 * so one division rounds correctly; longer inputs fall back to Number.
 */
export function parseDecimal(s: string): number {
  const n = s.length
  if (n === 0 || n > 40) return Number.NaN
  let acc = 0
  let dot = -1
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (dot >= 0 || i === 0 || i === n - 1) return Number.NaN
      dot = i
    } else {
      const d = c - 48
      if (d < 0 || d > 9) return Number.NaN
      acc = acc * 10 + d
    }
  }
  if (acc > Number.MAX_SAFE_INTEGER) return Number(s)
  if (dot < 0) return acc
  const decimals = n - 1 - dot
  return decimals > 22 ? Number(s) : acc / (POW10[decimals] as number)
}

export function isDecimal(s: string): boolean {
  return !Number.isNaN(parseDecimal(s))
}

const Decimal = z.string().refine(isDecimal, 'expected a non-negative decimal string')
/**
 * A decimal the feed may leave out: missing, or sent as "" (§7.6; best_bid / best_ask when a side is empty). Both
 * mean "not stated", never a bad frame. Timestamps stay required: an event without a time cannot be ordered.
 */
const OptionalDecimal = z.union([Decimal, z.literal('')]).optional()

/** True when the feed stated this decimal (neither missing nor ""). */
export function stated(v: string | undefined): v is string {
  return v !== undefined && v !== ''
}
const AssetId = z.string().min(1)
const Side = z.enum(['BUY', 'SELL'])

/** A level without a price or a size is no level: it is skipped (the book hash or the audit will tell). */
export const LevelSchema = z.object({ price: OptionalDecimal, size: OptionalDecimal })
export type WireLevel = z.infer<typeof LevelSchema>

export const BookEventSchema = z.object({
  event_type: z.literal('book'),
  asset_id: AssetId,
  market: z.string(),
  bids: z.array(LevelSchema),
  asks: z.array(LevelSchema),
  timestamp: Decimal,
  hash: z.string().optional(),
  tick_size: OptionalDecimal,
  last_trade_price: z.string().optional(),
})
export type BookEvent = z.infer<typeof BookEventSchema>

/** An entry without a price or size changes no level; its best_bid / best_ask are still checked when stated. */
export const PriceChangeEntrySchema = z.object({
  asset_id: AssetId,
  price: OptionalDecimal,
  size: OptionalDecimal,
  side: Side,
  hash: z.string().optional(),
  best_bid: OptionalDecimal,
  best_ask: OptionalDecimal,
})
export type PriceChangeEntry = z.infer<typeof PriceChangeEntrySchema>

/** Current format (since 2025-09-15): batched entries, each with the top of book after it. */
export const PriceChangeEventSchema = z.object({
  event_type: z.literal('price_change'),
  market: z.string(),
  timestamp: Decimal,
  price_changes: z.array(PriceChangeEntrySchema),
})
export type PriceChangeEvent = z.infer<typeof PriceChangeEventSchema>

/** Old format 1 (2024): one flat change. */
export const PriceChangeFlatSchema = z.object({
  event_type: z.literal('price_change'),
  asset_id: AssetId,
  market: z.string(),
  price: OptionalDecimal,
  size: OptionalDecimal,
  side: Side,
  hash: z.string().optional(),
  timestamp: Decimal,
})

/** Old format 2: one asset, a `changes` list. */
export const PriceChangeNestedSchema = z.object({
  event_type: z.literal('price_change'),
  asset_id: AssetId,
  market: z.string(),
  changes: z.array(z.object({ price: OptionalDecimal, side: Side, size: OptionalDecimal })),
  hash: z.string().optional(),
  timestamp: Decimal,
})

export const TickSizeChangeEventSchema = z.object({
  event_type: z.literal('tick_size_change'),
  asset_id: AssetId,
  market: z.string(),
  old_tick_size: OptionalDecimal,
  /** "" (not stated): the tick changed to a value the event does not give; REST /book will. */
  new_tick_size: z.union([
    Decimal.refine((s) => Number(s) > 0 && Number(s) < 1, 'a tick size is in (0, 1)'),
    z.literal(''),
  ]),
  timestamp: Decimal,
})
export type TickSizeChangeEvent = z.infer<typeof TickSizeChangeEventSchema>

export const LastTradeEventSchema = z.object({
  event_type: z.literal('last_trade_price'),
  asset_id: AssetId,
  market: z.string(),
  price: OptionalDecimal,
  size: OptionalDecimal,
  side: Side,
  fee_rate_bps: z.string().optional(),
  timestamp: Decimal,
  transaction_hash: z.string().optional(),
})
export type LastTradeEvent = z.infer<typeof LastTradeEventSchema>

export const BestBidAskEventSchema = z.object({
  event_type: z.literal('best_bid_ask'),
  asset_id: AssetId,
  market: z.string(),
  best_bid: OptionalDecimal,
  best_ask: OptionalDecimal,
  spread: z.string().optional(),
  timestamp: Decimal,
})
export type BestBidAskEvent = z.infer<typeof BestBidAskEventSchema>

export const NewMarketEventSchema = z.object({
  event_type: z.literal('new_market'),
  market: z.string(),
  question: z.string().optional(),
  assets_ids: z.array(z.string()),
  timestamp: Decimal,
})
export type NewMarketEvent = z.infer<typeof NewMarketEventSchema>

export const MarketResolvedEventSchema = z.object({
  event_type: z.literal('market_resolved'),
  market: z.string(),
  assets_ids: z.array(z.string()),
  winning_asset_id: z.string().optional(),
  winning_outcome: z.string().optional(),
  timestamp: Decimal,
})
export type MarketResolvedEvent = z.infer<typeof MarketResolvedEventSchema>

export type MarketEvent =
  | BookEvent
  | PriceChangeEvent
  | TickSizeChangeEvent
  | LastTradeEvent
  | BestBidAskEvent
  | NewMarketEvent
  | MarketResolvedEvent

export const KNOWN_EVENT_TYPES = [
  'book',
  'price_change',
  'tick_size_change',
  'last_trade_price',
  'best_bid_ask',
  'new_market',
  'market_resolved',
] as const

/** REST GET /book (protocol doc §2.1); same level ordering as the WS `book` event. */
export const BookSummarySchema = z.object({
  market: z.string(),
  asset_id: AssetId,
  timestamp: Decimal,
  hash: z.string().optional(),
  bids: z.array(LevelSchema),
  asks: z.array(LevelSchema),
  min_order_size: z.string().optional(),
  tick_size: OptionalDecimal,
  neg_risk: z.boolean().optional(),
  last_trade_price: z.string().optional(),
})
export type BookSummary = z.infer<typeof BookSummarySchema>

type Obj = Record<string, unknown>

/** Numbers of a price_change's entries, filled by readPriceChange; NaN means "not stated" (missing or ""). */
export class PriceChangeNumbers {
  /** The event's timestamp (ms). */
  timestamp = 0
  price = new Float64Array(16)
  size = new Float64Array(16)
  bid = new Float64Array(16)
  ask = new Float64Array(16)

  ensure(n: number): void {
    if (n <= this.price.length) return
    const cap = Math.max(n, this.price.length * 2)
    this.price = new Float64Array(cap)
    this.size = new Float64Array(cap)
    this.bid = new Float64Array(cap)
    this.ask = new Float64Array(cap)
  }
}

/** An optional decimal: NaN when missing or "", -1 when present but not a decimal (refused). */
function readOptional(v: unknown): number {
  if (v === undefined || v === '') return Number.NaN
  if (typeof v !== 'string') return -1
  const x = parseDecimal(v)
  return Number.isNaN(x) ? -1 : x
}

/**
 * Exactly PriceChangeEventSchema's acceptance, without allocating, reading every number into `out` on the way
 * (the whole message is checked before any of it is applied).
 */
export function readPriceChange(o: Obj, out: PriceChangeNumbers): o is PriceChangeEvent & Obj {
  if (typeof o.market !== 'string' || typeof o.timestamp !== 'string') return false
  const ts = parseDecimal(o.timestamp)
  if (Number.isNaN(ts)) return false
  out.timestamp = ts
  const list = o.price_changes
  if (!Array.isArray(list)) return false
  out.ensure(list.length)
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as Obj
    if (typeof e !== 'object' || e === null) return false
    const a = e.asset_id
    const p = e.price
    const s = e.size
    const side = e.side
    if (typeof a !== 'string' || a.length === 0) return false
    if (side !== 'BUY' && side !== 'SELL') return false
    if (e.hash !== undefined && typeof e.hash !== 'string') return false
    const price = readOptional(p)
    const size = readOptional(s)
    const bid = readOptional(e.best_bid)
    const ask = readOptional(e.best_ask)
    if (price === -1 || size === -1 || bid === -1 || ask === -1) return false
    out.price[i] = price
    out.size[i] = size
    out.bid[i] = bid
    out.ask[i] = ask
  }
  return true
}

const guardScratch = new PriceChangeNumbers()

export function isPriceChange(o: Obj): o is PriceChangeEvent & Obj {
  return readPriceChange(o, guardScratch)
}

export type DecodeResult =
  | { readonly ok: true; readonly event: MarketEvent }
  | {
      readonly ok: false
      /** `schema`: a known event that fails its schema; `unknown_event`: an event_type we do not know. */
      readonly kind: 'schema' | 'unknown_event'
      readonly eventType: string
      readonly message: string
      /** Asset ids readable from the bad event, so the books they touch can be re-seeded. */
      readonly assetIds: readonly string[]
    }

function looseAssetIds(o: Obj): string[] {
  const ids = new Set<string>()
  if (typeof o.asset_id === 'string') ids.add(o.asset_id)
  const list = o.price_changes
  if (Array.isArray(list)) {
    for (const e of list) {
      if (typeof e === 'object' && e !== null && typeof (e as Obj).asset_id === 'string')
        ids.add((e as Obj).asset_id as string)
    }
  }
  return [...ids]
}

function fail(o: Obj, eventType: string, error: z.ZodError): DecodeResult {
  const first = error.issues[0]
  const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : ''
  return {
    ok: false,
    kind: 'schema',
    eventType,
    message: `${where}${first?.message ?? 'invalid'}`,
    assetIds: looseAssetIds(o),
  }
}

function decodePriceChange(o: Obj): DecodeResult {
  if (isPriceChange(o)) return { ok: true, event: o }
  if ('price_changes' in o) {
    const r = PriceChangeEventSchema.safeParse(o)
    return r.success ? { ok: true, event: r.data } : fail(o, 'price_change', r.error)
  }
  if ('changes' in o) {
    const r = PriceChangeNestedSchema.safeParse(o)
    if (!r.success) return fail(o, 'price_change', r.error)
    const d = r.data
    const entries = d.changes.map((c) => ({ asset_id: d.asset_id, price: c.price, size: c.size, side: c.side }))
    return {
      ok: true,
      event: { event_type: 'price_change', market: d.market, timestamp: d.timestamp, price_changes: entries },
    }
  }
  const r = PriceChangeFlatSchema.safeParse(o)
  if (!r.success) return fail(o, 'price_change', r.error)
  const d = r.data
  const entry: PriceChangeEntry = { asset_id: d.asset_id, price: d.price, size: d.size, side: d.side }
  if (d.hash !== undefined) entry.hash = d.hash
  return {
    ok: true,
    event: { event_type: 'price_change', market: d.market, timestamp: d.timestamp, price_changes: [entry] },
  }
}

const SCHEMAS = {
  book: BookEventSchema,
  tick_size_change: TickSizeChangeEventSchema,
  last_trade_price: LastTradeEventSchema,
  best_bid_ask: BestBidAskEventSchema,
  new_market: NewMarketEventSchema,
  market_resolved: MarketResolvedEventSchema,
} as const

/** Validate one parsed event. All three price_change formats come out in the current (batched) shape. */
export function decodeEvent(raw: unknown): DecodeResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, kind: 'schema', eventType: '', message: 'an event must be a JSON object', assetIds: [] }
  }
  const o = raw as Obj
  const type = o.event_type
  if (type === 'price_change') return decodePriceChange(o)
  if (typeof type !== 'string') {
    return { ok: false, kind: 'schema', eventType: '', message: 'event_type missing', assetIds: looseAssetIds(o) }
  }
  const schema = SCHEMAS[type as keyof typeof SCHEMAS]
  if (schema === undefined) {
    return { ok: false, kind: 'unknown_event', eventType: type, message: `unknown event_type ${type}`, assetIds: [] }
  }
  const r = schema.safeParse(o)
  return r.success ? { ok: true, event: r.data } : fail(o, type, r.error)
}
