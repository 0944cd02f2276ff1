import type { SQL } from 'bun'
import type { LiveOrder, TokenPosition } from '../../../schemas/domain.ts'
import type { DaemonEvent, DaemonEventOf } from '../../../stages/events.ts'
import { FINAL_TRADE_STATUSES, TERMINAL_ORDER_STATUSES } from '../sqlite/schema.ts'

/**
 * Daemon events → rows, one transaction per batch, every write idempotent (a retried batch changes nothing twice).
 * The same rules as the sqlite store: a terminal order status always lands and a late live one never revives it;
 * a fill's status only moves forward from a final one never; a position or fair value only moves to a newer one.
 */

export interface Owner {
  readonly account: string
  readonly mode: string
  readonly instance: string
}

type Tx = SQL

const TERMINAL = TERMINAL_ORDER_STATUSES as readonly string[]
const FINAL = FINAL_TRADE_STATUSES as readonly string[]
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

async function upsertOrder(
  tx: Tx,
  table: 'orders' | 'orders_active',
  o: LiveOrder,
  at: number,
  w: Owner,
  guard: boolean,
) {
  const t = tx(table)
  const rows = await tx`
    INSERT INTO ${t} (order_id, account, mode, instance, condition_id, token_id, side, price, size, usd_value, filled,
      status, layer, quote_side, quoted_mid, created_at, updated_at)
    VALUES (${o.id}, ${w.account}, ${w.mode}, ${w.instance}, ${o.conditionId}, ${o.tokenId}, ${o.side}, ${o.price},
      ${o.size}, ${o.price * o.size}, ${o.filled}, ${o.status}, ${o.layer}, ${o.quoteSide}, ${o.quotedMid},
      ${o.createdAt}, ${at})
    ON CONFLICT (order_id) DO UPDATE SET price = excluded.price, size = excluded.size, usd_value = excluded.usd_value,
      filled = excluded.filled, status = excluded.status, updated_at = excluded.updated_at
    WHERE ${!guard} OR ${t}.status <> ALL(${TERMINAL})
    RETURNING 1`
  return rows.length > 0
}

async function upsertPosition(tx: Tx, conditionId: string, p: TokenPosition, at: number, w: Owner) {
  await tx`
    INSERT INTO positions (account, mode, token_id, condition_id, instance, shares, avg_price, realized_pnl, updated_at)
    VALUES (${w.account}, ${w.mode}, ${p.tokenId}, ${conditionId}, ${w.instance}, ${p.shares}, ${p.avgPrice},
      ${p.realizedPnl}, ${at})
    ON CONFLICT (account, mode, token_id) DO UPDATE SET condition_id = excluded.condition_id, shares = excluded.shares,
      avg_price = excluded.avg_price, realized_pnl = excluded.realized_pnl, instance = excluded.instance,
      updated_at = excluded.updated_at
    WHERE excluded.updated_at >= positions.updated_at`
}

const handlers: { [T in DaemonEvent['type']]: (tx: Tx, e: DaemonEventOf<T>, w: Owner) => Promise<void> } = {
  async order(tx, e, w) {
    if (TERMINAL.includes(e.order.status)) {
      await upsertOrder(tx, 'orders', e.order, e.at, w, false)
      await tx`DELETE FROM orders_active WHERE order_id = ${e.order.id}`
    } else if (await upsertOrder(tx, 'orders', e.order, e.at, w, true)) {
      await upsertOrder(tx, 'orders_active', e.order, e.at, w, false)
    }
  },
  async fill(tx, e, w) {
    const f = e.fill
    await tx`
      INSERT INTO fills (trade_id, order_id, token_id, account, mode, instance, condition_id, side, price, size,
        usd_value, fee_usd, role, trade_status, filled_at, recorded_at, updated_at)
      VALUES (${f.tradeId}, ${f.orderId}, ${f.tokenId}, ${w.account}, ${w.mode}, ${w.instance}, ${f.conditionId},
        ${f.side}, ${f.price}, ${f.size}, ${f.price * f.size}, ${f.feeUsd}, ${f.role}, ${f.status}, ${f.timestamp},
        ${e.at}, ${e.at})
      ON CONFLICT (trade_id, order_id, token_id) DO UPDATE SET trade_status = excluded.trade_status,
        fee_usd = excluded.fee_usd, updated_at = excluded.updated_at
      WHERE fills.trade_status <> ALL(${FINAL})`
  },
  async position(tx, e, w) {
    const p = e.position
    await upsertPosition(tx, p.conditionId, p.yes, e.at, w)
    await upsertPosition(tx, p.conditionId, p.no, e.at, w)
    await tx`
      INSERT INTO markets (condition_id, yes_token_id, no_token_id, updated_at)
      VALUES (${p.conditionId}, ${p.yes.tokenId}, ${p.no.tokenId}, ${e.at})
      ON CONFLICT (condition_id) DO UPDATE SET yes_token_id = excluded.yes_token_id, no_token_id = excluded.no_token_id,
        updated_at = excluded.updated_at`
  },
  async markout(tx, e, w) {
    await tx`
      INSERT INTO markouts (trade_id, token_id, horizon_sec, account, condition_id, markout, measured_at)
      VALUES (${e.tradeId}, ${e.tokenId}, ${Math.round(e.horizonSec)}, ${w.account}, ${e.conditionId}, ${e.markout},
        ${e.at})
      ON CONFLICT (trade_id, token_id, horizon_sec) DO UPDATE SET markout = excluded.markout,
        measured_at = excluded.measured_at`
  },
  async selection(tx, e, w) {
    await tx`
      INSERT INTO selection_snapshots (account, instance, taken_at, market_count, added, removed, markets)
      VALUES (${w.account}, ${w.instance}, ${e.at}, ${e.markets.length}, ${JSON.stringify(e.added)}::jsonb,
        ${JSON.stringify(e.removed)}::jsonb, ${JSON.stringify(e.markets)}::jsonb)
      ON CONFLICT (instance, taken_at) DO NOTHING`
    for (const m of e.markets)
      await tx`
        INSERT INTO markets (condition_id, question, yes_token_id, no_token_id, tick_size, updated_at)
        VALUES (${m.conditionId}, ${m.question}, ${m.yesTokenId}, ${m.noTokenId}, ${m.tickSize}, ${e.at})
        ON CONFLICT (condition_id) DO UPDATE SET question = excluded.question, yes_token_id = excluded.yes_token_id,
          no_token_id = excluded.no_token_id, tick_size = excluded.tick_size, updated_at = excluded.updated_at`
  },
  async quote(tx, e) {
    const q = e.quote
    await tx`
      INSERT INTO fair_values (condition_id, date, at, fair, reservation, bid, ask, half_spread)
      VALUES (${e.conditionId}, ${utcDay(e.at)}, ${e.at}, ${q.fair}, ${q.reservation}, ${q.bid}, ${q.ask},
        ${q.halfSpread})
      ON CONFLICT (condition_id, date) DO UPDATE SET at = excluded.at, fair = excluded.fair,
        reservation = excluded.reservation, bid = excluded.bid, ask = excluded.ask, half_spread = excluded.half_spread
      WHERE excluded.at >= fair_values.at`
  },
  // Risk transitions and pulls are logged and exported as metrics; they have no table.
  async risk() {},
  async pull() {},
}

export async function applyEvents(sql: SQL, events: readonly DaemonEvent[], owner: Owner): Promise<void> {
  if (events.length === 0) return
  await sql.begin(async (tx) => {
    for (const e of events)
      await (handlers[e.type] as (t: Tx, ev: DaemonEvent, w: Owner) => Promise<void>)(tx, e, owner)
  })
}
