// What the drill reads to judge the daemon: the exchange's own ledger (simulator admin routes and the account's
// trades over the CLOB API with the account's key) and the daemon's SQLite file.
import { Database } from 'bun:sqlite'
import { type ApiKeyCreds, ClobClient } from '@polymarket/clob-client-v2'
import type { Wallet } from 'ethers'
import { z } from 'zod'

const num = z.union([z.number(), z.string()]).transform(Number)

export const AdminOrderSchema = z.looseObject({
  id: z.string(),
  market: z.string(),
  asset_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  price: num,
  original_size: num,
  size_matched: num,
})
export type AdminOrder = z.infer<typeof AdminOrderSchema>

export const AdminAccountSchema = z.looseObject({
  address: z.string(),
  usdc: z.number(),
  tokens: z.record(z.string(), z.number()),
  open_orders: z.array(AdminOrderSchema),
})
export type AdminAccount = z.infer<typeof AdminAccountSchema>

export const AdminMarketSchema = z.looseObject({
  condition_id: z.string(),
  tokens: z.array(z.string()),
  tick_size: z.number(),
  best_bid: z.number().nullable(),
  best_ask: z.number().nullable(),
  accepting_orders: z.boolean().optional(),
  closed: z.boolean().optional(),
})
export type AdminMarket = z.infer<typeof AdminMarketSchema>

export const AdminStateSchema = z.looseObject({
  time: z.number(),
  faults: z.record(z.string(), z.unknown()),
  markets: z.array(AdminMarketSchema),
})
export type AdminState = z.infer<typeof AdminStateSchema>

async function getJson<T>(url: string, schema: z.ZodType<T>, timeoutMs = 3000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`)
  return schema.parse(await res.json())
}

export const adminState = (admin: string) => getJson(`${admin}/state`, AdminStateSchema)
export const adminAccount = (admin: string, address: string) =>
  getJson(`${admin}/accounts/${address.toLowerCase()}`, AdminAccountSchema)

/** One fill of our account, as the exchange or the database records it. `trade_id` + `order_id` identify it. */
export interface LedgerFill {
  readonly tradeId: string
  readonly orderId: string
  readonly tokenId: string
  readonly side: 'BUY' | 'SELL'
  readonly size: number
  readonly price: number
  readonly status: string
  /** Database only: ms from the trade's time to when the daemon recorded it. */
  readonly recordLagMs?: number
}

const TradeSchema = z.looseObject({
  id: z.string(),
  taker_order_id: z.string(),
  asset_id: z.string(),
  side: z.enum(['BUY', 'SELL']),
  size: num,
  price: num,
  status: z.string(),
  owner: z.string(),
  trader_side: z.enum(['TAKER', 'MAKER']),
  maker_orders: z.array(
    z.looseObject({
      order_id: z.string(),
      owner: z.string(),
      asset_id: z.string(),
      side: z.enum(['BUY', 'SELL']),
      matched_amount: num,
      price: num,
    }),
  ),
})

/** The account's fills from the exchange's trades (GET /data/trades with the account's own L2 key). */
export async function exchangeFills(clobUrl: string, wallet: Wallet): Promise<LedgerFill[]> {
  const signer = {
    _signTypedData: (d: never, t: never, v: never) => wallet.signTypedData(d, t, v),
    getAddress: async () => wallet.address,
  }
  const l1 = new ClobClient({ host: clobUrl, chain: 137, signer, throwOnError: true })
  let creds: ApiKeyCreds
  try {
    creds = await l1.deriveApiKey()
  } catch {
    creds = await l1.createApiKey()
  }
  const l2 = new ClobClient({ host: clobUrl, chain: 137, signer, creds, throwOnError: true })
  const trades = z.array(TradeSchema).parse(await l2.getTrades())
  const out: LedgerFill[] = []
  for (const t of trades) {
    if (t.trader_side === 'TAKER' && t.owner === creds.key) {
      out.push({
        tradeId: t.id,
        orderId: t.taker_order_id,
        tokenId: t.asset_id,
        side: t.side,
        size: t.size,
        price: t.price,
        status: t.status,
      })
    }
    for (const m of t.maker_orders) {
      if (m.owner !== creds.key) continue
      out.push({
        tradeId: t.id,
        orderId: m.order_id,
        tokenId: m.asset_id,
        side: m.side,
        size: m.matched_amount,
        price: m.price,
        status: t.status,
      })
    }
  }
  return out
}

export interface DatabaseView {
  readonly fills: LedgerFill[]
  /** token → shares in the positions table. */
  readonly positions: Map<string, number>
  readonly ordersActive: number
}

/** The daemon's SQLite file, read-only (the daemon may be writing: WAL lets us read alongside). */
export function readDatabase(path: string): DatabaseView {
  const db = new Database(path, { readonly: true })
  try {
    const fills = db
      .query<
        {
          trade_id: string
          order_id: string
          token_id: string
          side: 'BUY' | 'SELL'
          size: number
          price: number
          trade_status: string
          filled_at: number
          recorded_at: number
        },
        []
      >('SELECT trade_id, order_id, token_id, side, size, price, trade_status, filled_at, recorded_at FROM fills')
      .all()
      .map((r) => ({
        tradeId: r.trade_id,
        orderId: r.order_id,
        tokenId: r.token_id,
        side: r.side,
        size: r.size,
        price: r.price,
        status: r.trade_status,
        recordLagMs: r.recorded_at - r.filled_at,
      }))
    const positions = new Map(
      db
        .query<{ token_id: string; shares: number }, []>('SELECT token_id, shares FROM positions')
        .all()
        .map((r) => [r.token_id, r.shares] as const),
    )
    const ordersActive = db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM orders_active').get()?.n ?? 0
    return { fills, positions, ordersActive }
  } finally {
    db.close()
  }
}
