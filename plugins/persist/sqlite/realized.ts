import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { createAccount } from '../../../pipeline/account.ts'
import { loadCountedFills, type OwnerScope } from './queries.ts'

/**
 * Realized PnL (USD, after fees, average cost carried from every earlier fill) of the fills recorded at or after
 * `since`, of one owner scope, read through a read-only connection (WAL lets it run beside the writer). Each
 * account is replayed on its own (average costs never mix), then summed. 0 for a database that does not exist
 * yet or has no fills table.
 */
export function realizedSinceIn(path: string, since: number, scope?: OwnerScope): number {
  if (!existsSync(path)) return 0
  const db = new Database(path, { readonly: true })
  try {
    const hasFills = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fills'").get()
    if (!hasFills) return 0
    const accounts = new Map<string, ReturnType<typeof createAccount>>()
    for (const f of loadCountedFills(db, Number.MAX_SAFE_INTEGER, scope)) {
      let account = accounts.get(f.account)
      if (!account) accounts.set(f.account, (account = createAccount({ retentionMs: Number.POSITIVE_INFINITY })))
      account.applyFill({
        tradeId: f.tradeId,
        orderId: f.orderId,
        conditionId: f.conditionId,
        tokenId: f.tokenId,
        side: f.side,
        price: f.price,
        size: f.size,
        feeUsd: f.feeUsd,
        role: f.role,
        status: f.status,
        timestamp: f.timestamp,
      })
    }
    let total = 0
    for (const a of accounts.values()) total += a.realizedSince(since)
    return total
  } finally {
    db.close()
  }
}
