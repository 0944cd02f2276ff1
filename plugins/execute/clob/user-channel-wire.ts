import { z } from 'zod'
import { normalizeOrderStatus, normalizeTradeStatus } from './statuses.ts'

/**
 * User-channel and REST trade/order shapes (protocol doc §1.6, §2.4), parsed once at the boundary. Real captures
 * differ in small ways (ms or s timestamps, ISO match times, `matchtime`, null expirations, missing
 * `event_type` on REST trades), so optional fields are lenient; the fields a fill needs are required.
 */

const NumString = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v)
  if (v === '' || !Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` })
    return z.NEVER
  }
  return n
})

/** A number string that may be empty: `""` is absent, as production sends it (FOK kills, no fee; §7.6). */
const OptionalNum = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => {
    if (v === null || v === undefined || v === '') return 0
    const n = typeof v === 'number' ? v : Number(v)
    return Number.isFinite(n) ? n : 0
  })

/** ms UTC from a ms string, a seconds string, or an ISO date; undefined when absent or unreadable. */
export function toMs(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value
  if (typeof value !== 'string') return undefined
  if (/^\d+(\.\d+)?$/.test(value)) {
    const n = Number(value)
    return n < 1e12 ? n * 1000 : n
  }
  const t = Date.parse(value)
  return Number.isNaN(t) ? undefined : t
}

const Side = z.enum(['BUY', 'SELL'])

/** An optional field production may send as `""` (§7.6): `""` and null are absent, not a broken frame. */
const absent = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional())

export const WireMakerOrderSchema = z.object({
  order_id: z.string(),
  owner: z.string().default(''),
  maker_address: z.string().default(''),
  matched_amount: NumString,
  price: NumString,
  fee_rate_bps: OptionalNum,
  asset_id: z.string(),
  outcome: z.string().optional(),
  side: absent(Side),
})
export type WireMakerOrder = z.infer<typeof WireMakerOrderSchema>

/**
 * A trade, status normalized (`TRADE_STATUS_CONFIRMED` → `CONFIRMED`, §7.4). `unknownStatus` holds a spelling we
 * do not know; such a trade is still ours to book, as MATCHED (not settled), and its spelling is logged.
 */
export const WireTradeSchema = z
  .object({
    event_type: z.literal('trade').optional(),
    id: z.string().min(1),
    taker_order_id: z.string().default(''),
    market: z.string(),
    asset_id: z.string(),
    side: Side,
    size: NumString,
    price: NumString,
    fee_rate_bps: OptionalNum,
    status: z.string(),
    match_time: z.unknown().optional(),
    matchtime: z.unknown().optional(),
    last_update: z.unknown().optional(),
    timestamp: z.unknown().optional(),
    outcome: z.string().optional(),
    owner: z.string().default(''),
    trade_owner: z.string().optional(),
    maker_address: z.string().optional(),
    maker_orders: z.array(WireMakerOrderSchema).default([]),
    transaction_hash: z.string().nullable().optional(),
    trader_side: absent(z.enum(['TAKER', 'MAKER'])),
  })
  .transform((t) => {
    const s = normalizeTradeStatus(t.status)
    return { ...t, status: s.status, unknownStatus: s.known ? undefined : s.raw }
  })
export type WireTrade = z.infer<typeof WireTradeSchema>

export const WireOrderSchema = z.object({
  event_type: z.literal('order').optional(),
  id: z.string().min(1),
  asset_id: z.string(),
  market: z.string(),
  side: Side,
  price: NumString,
  original_size: NumString,
  size_matched: OptionalNum,
  /** LIVE, MATCHED, CANCELED, INVALID, CANCELED_<reason>; `ORDER_STATUS_` prefix removed (§7.4). */
  status: z.string().transform(normalizeOrderStatus),
  /** PLACEMENT | UPDATE | CANCELLATION on the user channel; absent on REST. */
  type: z.string().optional(),
  owner: z.string().optional(),
  order_owner: z.string().optional(),
  maker_address: z.string().optional(),
  created_at: z.unknown().optional(),
  timestamp: z.unknown().optional(),
  associate_trades: z.array(z.string()).nullable().optional(),
  order_type: z.string().optional(),
  outcome: z.string().optional(),
})
export type WireOrder = z.infer<typeof WireOrderSchema>

export type UserEvent =
  | { readonly kind: 'order'; readonly order: WireOrder }
  | { readonly kind: 'trade'; readonly trade: WireTrade }

export interface ParsedFrame {
  readonly events: readonly UserEvent[]
  /** Objects that were not a valid order or trade, with the reason (logged, rate-limited, by the caller). */
  readonly rejected: readonly string[]
}

function classify(item: unknown): UserEvent | string {
  if (typeof item !== 'object' || item === null) return 'not an object'
  const rec = item as Record<string, unknown>
  const type = rec.event_type ?? (rec.type === 'TRADE' ? 'trade' : 'maker_orders' in rec ? 'trade' : 'order')
  if (type === 'trade') {
    const r = WireTradeSchema.safeParse(item)
    return r.success ? { kind: 'trade', trade: r.data } : `bad trade: ${r.error.issues[0]?.message ?? ''}`
  }
  if (type === 'order') {
    const r = WireOrderSchema.safeParse(item)
    return r.success ? { kind: 'order', order: r.data } : `bad order: ${r.error.issues[0]?.message ?? ''}`
  }
  return `unknown event_type ${String(type)}`
}

/** One text frame: `PONG`, one event object or an array of them. Non-JSON text yields nothing. */
export function parseUserFrame(text: string): ParsedFrame {
  if (text === 'PONG' || text === 'PING') return { events: [], rejected: [] }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { events: [], rejected: [`not JSON: ${text.slice(0, 80)}`] }
  }
  const items = Array.isArray(raw) ? raw : [raw]
  const events: UserEvent[] = []
  const rejected: string[] = []
  for (const item of items) {
    const r = classify(item)
    if (typeof r === 'string') rejected.push(r)
    else events.push(r)
  }
  return { events, rejected }
}

/** The time a trade happened, ms UTC. */
export function tradeTime(t: WireTrade): number | undefined {
  return toMs(t.match_time) ?? toMs(t.matchtime) ?? toMs(t.timestamp) ?? toMs(t.last_update)
}
