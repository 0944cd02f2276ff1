// Every fault kind the drill injects, each as a patch of POST /admin/faults (or another admin route) in the shape
// the simulator's admin schemas take. The drill probes each kind first and reports one the simulator refuses, so a
// simulator and a drill that drift apart show it in the report instead of injecting nothing.

export type Rng = () => number

export interface DrillMarket {
  readonly conditionId: string
  readonly tokens: readonly string[]
  readonly tickSize: number
}

/** How one episode of a kind is injected: a body for POST `route` (admin-relative), and how to end it. */
export interface FaultAction {
  readonly route: string
  readonly body: Record<string, unknown>
  /** Ends the episode; absent: `{reset: true}` on /faults ends it (or it is one-shot). */
  readonly off?: { readonly route: string; readonly body: Record<string, unknown> }
}

export interface FaultKind {
  readonly name: string
  /** One-shot (a socket drop): no duration. */
  readonly instant?: boolean
  /** Worth a long episode (silences, delays): the defects behind them need more than a second to show. */
  readonly long?: boolean
  /** Candidate shapes, tried in order at probe time; the first the simulator accepts is the one used. */
  readonly shapes: ReadonlyArray<(rng: Rng, ctx: FaultContext) => FaultAction>
}

/** What a shape may aim at: the drill's markets and the daemon's account (its signer). */
export interface FaultContext {
  readonly markets: readonly DrillMarket[]
  readonly account: string
  /** Each market's tick as this drill last set it, so a tick change always changes it. */
  readonly ticks: Map<string, number>
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T
const between = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng()
const faults = (body: Record<string, unknown>): FaultAction => ({ route: '/faults', body })
const market = (rng: Rng, ctx: FaultContext) => pick(rng, ctx.markets)

/** Routes the daemon uses, trading and ledger alike (paths as the simulator serves them). */
export const FAULT_ROUTES: ReadonlyArray<{ path: string; method?: 'GET' | 'POST' | 'DELETE' }> = [
  { path: '/order', method: 'POST' },
  { path: '/orders', method: 'POST' },
  { path: '/order', method: 'DELETE' },
  { path: '/orders', method: 'DELETE' },
  { path: '/cancel-all', method: 'DELETE' },
  { path: '/cancel-market-orders', method: 'DELETE' },
  { path: '/data/orders' },
  { path: '/data/trades' },
  { path: '/data/order/*' },
  { path: '/v1/heartbeats' },
  { path: '/balance-allowance*' },
  { path: '/data-api/*' },
  { path: '/gamma/*' },
  { path: '/book*' },
  { path: '/tick-size' },
  { path: '/fee-rate' },
  { path: '/neg-risk' },
]

const channelKinds = (name: string, make: (rng: Rng) => Record<string, unknown>, long = false): FaultKind[] =>
  (['market', 'user'] as const).map((ch) => ({
    name: `${name} ${ch}`,
    long,
    shapes: [(rng) => faults({ ws_channel: ch, ...make(rng) })],
  }))

const modes = ['restarting', 'cancel_only', 'post_only'] as const

export const FAULT_KINDS: readonly FaultKind[] = [
  ...(['market', 'user'] as const).map(
    (ch): FaultKind => ({
      name: `ws_drop ${ch}`,
      instant: true,
      shapes: [() => faults({ ws_drop: true, ws_channel: ch })],
    }),
  ),
  ...channelKinds('ws_silent', () => ({ ws_silent: true }), true),
  ...channelKinds('ws_delay_ms', (rng) => ({ ws_delay_ms: Math.round(between(rng, 300, 5000)) }), true),
  ...channelKinds('ws_drop_rate', (rng) => ({ ws_drop_rate: Math.round(between(rng, 0.05, 0.4) * 100) / 100 })),
  ...channelKinds('ws_duplicate_rate', (rng) => ({
    ws_duplicate_rate: Math.round(between(rng, 0.1, 0.6) * 100) / 100,
  })),
  ...channelKinds('ws_malformed_rate', (rng) => ({
    ws_malformed_rate: Math.round(between(rng, 0.05, 0.3) * 100) / 100,
  })),
  { name: 'rest_latency_ms', shapes: [(rng) => faults({ rest_latency_ms: Math.round(between(rng, 200, 4000)) })] },
  {
    name: 'rest_errors',
    shapes: [
      (rng) => {
        const r = pick(rng, FAULT_ROUTES)
        const count = rng() < 0.7 ? 1 + Math.floor(rng() * 5) : undefined
        return faults({
          rest_errors: [
            {
              path: r.path,
              method: r.method ?? 'ANY',
              status: pick(rng, [429, 500, 502, 503]),
              ...(count ? { count } : {}),
            },
          ],
        })
      },
    ],
  },
  {
    name: 'trade_fail_rate',
    shapes: [(rng) => faults({ trade_fail_rate: Math.round(between(rng, 0.1, 0.6) * 100) / 100 })],
  },
  {
    name: 'submit_hang',
    shapes: [
      (rng) =>
        faults({ submit_hang: { count: 1 + Math.floor(rng() * 2), hang_ms: Math.round(between(rng, 2000, 20000)) } }),
    ],
  },
  {
    name: 'market not accepting orders',
    shapes: [
      (rng, ctx) => {
        const m = market(rng, ctx)
        return {
          route: '/markets',
          body: { condition_id: m.conditionId, accepting_orders: false },
          off: { route: '/markets', body: { condition_id: m.conditionId, accepting_orders: true } },
        }
      },
    ],
  },
  {
    name: 'heartbeat_lose',
    shapes: [(rng) => faults({ heartbeat_lose: { count: 1 + Math.floor(rng() * 3) } })],
  },
  {
    // The production behaviour's per-signer token buckets, emptied at once (they refill at the tier's rate).
    name: 'rate_limit_exhaust',
    instant: true,
    shapes: [
      (rng, ctx) =>
        faults({ rate_limit_exhaust: { address: ctx.account, bucket: pick(rng, ['order', 'cancel', 'both']) } }),
    ],
  },
  { name: 'ws_frozen', long: true, shapes: [() => faults({ ws_frozen: true })] },
  ...modes.map(
    (mode): FaultKind => ({
      name: `exchange_mode ${mode}`,
      shapes: [
        () => ({
          ...faults({ exchange_mode: { mode } }),
          off: { route: '/faults', body: { exchange_mode: { mode: 'normal' } } },
        }),
      ],
    }),
  ),
  {
    // The exchange changes a market's tick (0.01 ↔ 0.001): announced on the market channel, applied to new orders.
    name: 'tick size change',
    instant: true,
    shapes: [
      (rng, ctx) => {
        const m = market(rng, ctx)
        const next = (ctx.ticks.get(m.conditionId) ?? m.tickSize) >= 0.01 ? 0.001 : 0.01
        ctx.ticks.set(m.conditionId, next)
        return { route: '/markets', body: { condition_id: m.conditionId, tick_size: next } }
      },
    ],
  },
]

/** Closing a market is final: one episode, late in the drill. */
export const MARKET_CLOSE: FaultKind = {
  name: 'market close',
  instant: true,
  shapes: [(rng, ctx) => ({ route: '/markets', body: { condition_id: market(rng, ctx).conditionId, closed: true } })],
}

/** Faults armed just before a restart: the transient errors a daemon meets at start (issue 14). */
export const START_FAULTS: ReadonlyArray<(rng: Rng) => FaultAction> = [
  () => faults({ rest_errors: [{ path: '/cancel-all', method: 'DELETE', status: 503, count: 3 }] }),
  () => faults({ rest_errors: [{ path: '/data-api/*', method: 'GET', status: 500, count: 1 }] }),
  () => faults({ rest_errors: [{ path: '/data/*', method: 'GET', status: 500, count: 1 }] }),
  (rng) =>
    faults({ rest_errors: [{ path: '/data/trades', method: 'GET', status: pick(rng, [429, 502, 503]), count: 2 }] }),
]
