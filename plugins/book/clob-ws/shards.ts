import type { Market } from '../../../schemas/domain.ts'
import type { Connection } from './connection.ts'

/**
 * Spreads tokens over several connections, at most `maxTokens` each (NautilusTrader shards at 200). Both tokens
 * of a market stay on one connection, so one price_change message never straddles two sockets and one socket's
 * loss pulls whole markets. New markets fill the oldest connection with room; a connection left with no tokens
 * is closed.
 */

export interface ShardsOptions {
  readonly maxTokens: number
  create(id: string): Connection
  /** Called before the connection subscribes the tokens, so their books know their connection first. */
  attach(tokenIds: readonly string[], connection: Connection): void
}

export interface Assignment {
  readonly connection: Connection
  readonly tokenIds: readonly string[]
}

export interface Shards {
  /** Unsubscribe removed markets, attach and subscribe added ones; returns where the added tokens went. */
  apply(added: readonly Market[], removed: readonly Market[]): Assignment[]
  connections(): readonly Connection[]
  connectionOf(tokenId: string): Connection | undefined
  stop(): void
}

export function createShards(opts: ShardsOptions): Shards {
  if (opts.maxTokens < 2) throw new Error('max_tokens_per_connection must be at least 2 (a market has two tokens)')
  const conns: Connection[] = []
  const byToken = new Map<string, Connection>()
  let nextId = 0

  return {
    apply(added, removed) {
      const drops = new Map<Connection, string[]>()
      for (const m of removed) {
        for (const t of [m.yesTokenId, m.noTokenId]) {
          const c = byToken.get(t)
          if (!c) continue
          byToken.delete(t)
          const list = drops.get(c) ?? []
          list.push(t)
          drops.set(c, list)
        }
      }
      for (const [c, list] of drops) {
        c.unsubscribe(list)
        if (c.tokens.size === 0) {
          c.stop()
          conns.splice(conns.indexOf(c), 1)
        }
      }
      // Room is counted with what this call already placed, since subscribe() runs after planning.
      const planned = new Map<Connection, string[]>()
      const room = (c: Connection) => opts.maxTokens - c.tokens.size - (planned.get(c)?.length ?? 0)
      for (const m of added) {
        const pair = [m.yesTokenId, m.noTokenId].filter((t) => !byToken.has(t))
        if (pair.length === 0) continue
        let target = conns.find((c) => room(c) >= pair.length)
        if (!target) {
          target = opts.create(String(nextId++))
          conns.push(target)
        }
        const list = planned.get(target) ?? []
        list.push(...pair)
        planned.set(target, list)
        for (const t of pair) byToken.set(t, target)
      }
      const out: Assignment[] = []
      for (const [connection, tokenIds] of planned) {
        opts.attach(tokenIds, connection)
        connection.subscribe(tokenIds)
        out.push({ connection, tokenIds })
      }
      return out
    },
    connections: () => conns,
    connectionOf: (t) => byToken.get(t),
    stop() {
      for (const c of conns) c.stop()
      conns.length = 0
      byToken.clear()
    },
  }
}
