// Periodic samples of the daemon's /status beside the exchange's truth, and the stale-quote exposure they show.
import { z } from 'zod'
import { comparePositions, type PositionMismatch, round } from './invariants.ts'
import type { AdminAccount, AdminState } from './ledger.ts'

const Level = z.object({ price: z.number() }).nullable()
const BookStatus = z
  .looseObject({ token_id: z.string(), state: z.string(), best_bid: Level, best_ask: Level })
  .nullable()
export const StatusSchema = z.looseObject({
  markets: z.array(
    z.looseObject({
      condition_id: z.string(),
      yes: BookStatus,
      no: BookStatus,
      position: z.looseObject({ yes_shares: z.number(), no_shares: z.number() }),
      pnl: z.looseObject({ realized_usd: z.number() }),
      risk: z.looseObject({ state: z.string(), reason: z.string().optional() }).nullable(),
    }),
  ),
})
export type DaemonStatus = z.infer<typeof StatusSchema>

export async function fetchStatus(apiBase: string): Promise<DaemonStatus> {
  const res = await fetch(`${apiBase}/status`, { signal: AbortSignal.timeout(2000) })
  if (!res.ok) throw new Error(`/status: HTTP ${res.status}`)
  return StatusSchema.parse(await res.json())
}

/** token → shares as the daemon reports them (`tokens` maps a market to its [YES, NO] tokens). */
export function daemonPositions(
  status: DaemonStatus,
  tokens: ReadonlyMap<string, readonly [string, string]>,
): Map<string, number> {
  const out = new Map<string, number>()
  for (const m of status.markets) {
    const t = tokens.get(m.condition_id)
    if (!t) continue
    out.set(t[0], m.position.yes_shares)
    out.set(t[1], m.position.no_shares)
  }
  return out
}

export const exchangePositions = (a: AdminAccount) => new Map(Object.entries(a.tokens))

/**
 * Daemon vs exchange per token. A fill can land between the two reads: a mismatch counts only when three reads a
 * second apart agree. `checked` is false when a read failed.
 */
export async function persistentMismatches(
  daemon: () => Promise<Map<string, number>>,
  exchange: () => Promise<Map<string, number>>,
): Promise<{ mismatches: PositionMismatch[]; checked: boolean; daemon?: Map<string, number> }> {
  let persistent: PositionMismatch[] | undefined
  let last: Map<string, number> | undefined
  for (let i = 0; i < 3; i++) {
    try {
      const [mine, theirs] = await Promise.all([daemon(), exchange()])
      last = mine
      const now = comparePositions(mine, theirs)
      persistent = persistent === undefined ? now : now.filter((m) => persistent?.some((p) => p.tokenId === m.tokenId))
    } catch {
      return { mismatches: [], checked: false }
    }
    if (persistent.length === 0) break
    await Bun.sleep(1000)
  }
  return { mismatches: persistent ?? [], checked: true, ...(last ? { daemon: last } : {}) }
}

/** Realized PnL over every market in /status, USD. */
export const realizedUsd = (s: DaemonStatus | undefined) =>
  s
    ? round(
        s.markets.reduce((a, m) => a + m.pnl.realized_usd, 0),
        2,
      )
    : null

/** Markets the risk stage halted for loss. */
export const haltedForLoss = (s: DaemonStatus | undefined) =>
  (s?.markets ?? [])
    .filter((m) => m.risk && /halt/i.test(m.risk.state) && /loss/i.test(m.risk.reason ?? ''))
    .map((m) => m.condition_id)

export type ExposureKind = 'stale book' | 'late top of book' | 'market not accepting'

export interface ExposureRun {
  readonly conditionId: string
  readonly kind: ExposureKind
  /** ms after the drill's start. */
  readonly startedAt: number
  readonly seconds: number
}

/**
 * Seconds an order of ours rested on the exchange while the daemon's book of that market was not fresh, its YES
 * top differed from the exchange's, or the market was not accepting orders (closed). A run shorter than the grace
 * is the ordinary lag of a requote; the part of a run beyond it is exposure.
 */
export function createExposureTracker(graceMs: number, t0: number) {
  const open = new Map<string, { conditionId: string; kind: ExposureKind; since: number; last: number }>()
  const runs: ExposureRun[] = []
  const close = (key: string, until: number) => {
    const r = open.get(key)
    if (!r) return
    open.delete(key)
    runs.push({ conditionId: r.conditionId, kind: r.kind, startedAt: r.since - t0, seconds: (until - r.since) / 1000 })
  }
  return {
    sample(now: number, status: DaemonStatus, state: AdminState, account: AdminAccount) {
      const ours = new Set(account.open_orders.map((o) => o.market))
      const seen = new Set<string>()
      for (const m of state.markets) {
        const mine = status.markets.find((s) => s.condition_id === m.condition_id)
        const conditions: Array<[ExposureKind, boolean]> = [
          ['stale book', mine !== undefined && (mine.yes?.state !== 'fresh' || mine.no?.state !== 'fresh')],
          [
            'late top of book',
            mine?.yes != null &&
              mine.yes.state === 'fresh' &&
              ((mine.yes.best_bid?.price ?? null) !== m.best_bid || (mine.yes.best_ask?.price ?? null) !== m.best_ask),
          ],
          ['market not accepting', m.accepting_orders === false || m.closed === true],
        ]
        for (const [kind, bad] of conditions) {
          const key = `${m.condition_id}|${kind}`
          if (bad && ours.has(m.condition_id)) {
            seen.add(key)
            const r = open.get(key)
            if (r) r.last = now
            else open.set(key, { conditionId: m.condition_id, kind, since: now, last: now })
          }
        }
      }
      // One good sample inside a run (a top that happens to agree) does not end it: two in a row do.
      for (const [key, r] of [...open]) if (!seen.has(key) && now - r.last > 1500) close(key, r.last + 1000)
    },
    /** The daemon went away (killed): runs end where they were last seen. */
    interrupt() {
      for (const [key, r] of [...open]) close(key, r.last + 1000)
    },
    summary() {
      this.interrupt()
      const beyond = runs.filter((r) => r.seconds * 1000 > graceMs)
      const byKind: Record<string, { runs: number; seconds_beyond_grace: number; longest_s: number }> = {}
      for (const r of runs) {
        const k = (byKind[r.kind] ??= { runs: 0, seconds_beyond_grace: 0, longest_s: 0 })
        k.runs++
        k.seconds_beyond_grace += Math.max(0, r.seconds - graceMs / 1000)
        k.longest_s = Math.max(k.longest_s, r.seconds)
      }
      for (const k of Object.values(byKind)) {
        k.seconds_beyond_grace = Math.round(k.seconds_beyond_grace * 10) / 10
        k.longest_s = Math.round(k.longest_s * 10) / 10
      }
      const total = beyond.reduce((s, r) => s + r.seconds - graceMs / 1000, 0)
      return {
        grace_s: graceMs / 1000,
        seconds_beyond_grace: Math.round(total * 10) / 10,
        by_kind: byKind,
        worst: [...beyond].sort((a, b) => b.seconds - a.seconds).slice(0, 10),
      }
    },
  }
}
