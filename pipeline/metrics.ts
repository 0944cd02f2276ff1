import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { CANCEL_KINDS, PULL_KINDS, REJECTION_KINDS } from './metric-labels.ts'

/**
 * The daemon's one Prometheus registry and its core metrics. Names are the original daemon's where it had
 * them (mm_ws_connected, mm_seq_gaps_total, …); all are mm_-prefixed with unit suffixes.
 */
/** The original daemon's metric names: dashboards and alerts users already have depend on them. */
export const ORIGINAL_METRIC_NAMES = [
  'mm_ws_connected',
  'mm_ws_reconnects_total',
  'mm_seq_gaps_total',
  'mm_snapshot_reload_total',
  'mm_trades_per_min',
  'mm_orders_total',
  'mm_fills_total',
  'mm_inventory_shares',
] as const

/** Latency buckets from 100 µs to 2 minutes: a saturated loop shows seconds, and a histogram must say how many. */
export const LATENCY_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

export function createCoreMetrics(registry: Registry) {
  const r = [registry]
  const core = {
    wsConnected: new Gauge({
      name: 'mm_ws_connected',
      help: 'Market/user WebSocket connections up (1) or down (0)',
      labelNames: ['channel', 'shard'],
      registers: r,
    }),
    wsReconnects: new Counter({
      name: 'mm_ws_reconnects_total',
      help: 'WebSocket reconnects (not the first connect)',
      labelNames: ['channel'],
      registers: r,
    }),
    seqGaps: new Counter({
      name: 'mm_seq_gaps_total',
      help: 'Book inconsistencies detected (the feed has no sequence numbers)',
      labelNames: ['token_id'],
      registers: r,
    }),
    snapshotReloads: new Counter({
      name: 'mm_snapshot_reload_total',
      help: 'Books re-seeded from REST /book',
      labelNames: ['token_id'],
      registers: r,
    }),
    tradesPerMin: new Gauge({
      name: 'mm_trades_per_min',
      help: 'Trades per minute seen on the market channel',
      labelNames: ['token_id'],
      registers: r,
    }),
    ordersTotal: new Counter({ name: 'mm_orders_total', help: 'Orders sent', labelNames: ['side'], registers: r }),
    fillsTotal: new Counter({ name: 'mm_fills_total', help: 'Fills received', labelNames: ['side'], registers: r }),
    inventoryShares: new Gauge({
      name: 'mm_inventory_shares',
      help: 'Shares held per token',
      labelNames: ['token_id'],
      registers: r,
    }),
    stageErrors: new Counter({
      name: 'mm_stage_errors_total',
      help: 'Stage plugin errors (the market was pulled)',
      labelNames: ['stage', 'plugin'],
      registers: r,
    }),
    quoteComputations: new Counter({
      name: 'mm_quote_computations_total',
      help: 'Quote-plane runs',
      labelNames: ['outcome'],
      registers: r,
    }),
    quotePulls: new Counter({
      name: 'mm_quote_pulls_total',
      help: 'Markets pulled from quoting, by reason kind',
      labelNames: ['reason'],
      registers: r,
    }),
    rewardsScore: new Gauge({
      name: 'mm_rewards_score',
      help: "Estimated liquidity-rewards score (Q_min, protocol §5) of a market's current quotes",
      labelNames: ['condition_id'],
      registers: r,
    }),
    quoteLatency: new Histogram({
      name: 'mm_quote_to_order_seconds',
      help: 'From market dirty to the execute stage done',
      buckets: LATENCY_BUCKETS,
      registers: r,
    }),
    ordersRejected: new Counter({
      name: 'mm_orders_rejected_total',
      help: 'Orders the exchange refused, by reason kind',
      labelNames: ['reason'],
      registers: r,
    }),
    ordersCancelled: new Counter({
      name: 'mm_orders_cancelled_total',
      help: 'Orders confirmed cancelled, by why we cancelled them',
      labelNames: ['reason'],
      registers: r,
    }),
    riskState: new Gauge({
      name: 'mm_market_risk_state',
      help: 'Risk state per market (condition_id "account": the daily-loss state), one series per state: 1 current, 0 not',
      labelNames: ['condition_id', 'state'],
      registers: r,
    }),
    tokenInfo: new Gauge({
      name: 'mm_token_info',
      help: 'Always 1: names a token (join on token_id to show the market and outcome instead of the id)',
      labelNames: ['token_id', 'condition_id', 'question', 'outcome'],
      registers: r,
    }),
    marketsPulled: new Gauge({ name: 'mm_markets_pulled', help: 'Markets not quoting right now', registers: r }),
    ordersResting: new Gauge({ name: 'mm_orders_resting', help: 'Our orders that may rest on the book', registers: r }),
    marketsActive: new Gauge({ name: 'mm_markets_active', help: 'Markets in the traded universe', registers: r }),
    pipelineGeneration: new Gauge({ name: 'mm_pipeline_generation', help: 'Config generation running', registers: r }),
    configReloads: new Counter({
      name: 'mm_config_reload_total',
      help: 'Config reloads by outcome',
      labelNames: ['outcome'],
      registers: r,
    }),
    buildInfo: new Gauge({
      name: 'mm_build_info',
      help: 'Build information',
      labelNames: ['version', 'bun'],
      registers: r,
    }),
  }
  zeroKnownSeries(core)
  return core
}

/**
 * Counters appear at 0 from the first scrape, so `rate()` and `increase()` see the first event and a dashboard
 * shows 0 rather than "no data" for what has not happened yet.
 */
function zeroKnownSeries(core: {
  ordersTotal: Counter<'side'>
  fillsTotal: Counter<'side'>
  ordersRejected: Counter<'reason'>
  ordersCancelled: Counter<'reason'>
  quotePulls: Counter<'reason'>
  quoteComputations: Counter<'outcome'>
  configReloads: Counter<'outcome'>
  wsReconnects: Counter<'channel'>
}): void {
  for (const side of ['BUY', 'SELL']) {
    core.ordersTotal.inc({ side }, 0)
    core.fillsTotal.inc({ side }, 0)
  }
  for (const reason of REJECTION_KINDS) core.ordersRejected.inc({ reason }, 0)
  for (const reason of CANCEL_KINDS) core.ordersCancelled.inc({ reason }, 0)
  for (const reason of PULL_KINDS) core.quotePulls.inc({ reason }, 0)
  for (const outcome of ['quoted', 'error']) core.quoteComputations.inc({ outcome }, 0)
  for (const outcome of ['applied', 'noop', 'rejected', 'rolled_back']) core.configReloads.inc({ outcome }, 0)
  for (const channel of ['market', 'user']) core.wsReconnects.inc({ channel }, 0)
}

export type CoreMetrics = ReturnType<typeof createCoreMetrics>

/** Metrics a plugin may create; every name gets the mm_ prefix and registration is idempotent across reloads. */
export interface PluginMetrics {
  readonly core: CoreMetrics
  readonly registry: Registry
  counter<L extends string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>
  gauge<L extends string>(name: string, help: string, labelNames?: readonly L[]): Gauge<L>
  histogram<L extends string>(name: string, help: string, labelNames?: readonly L[], buckets?: number[]): Histogram<L>
}

export function createPluginMetrics(registry: Registry, core: CoreMetrics): PluginMetrics {
  const full = (name: string) => (name.startsWith('mm_') ? name : `mm_${name}`)
  function reuse<T>(name: string, make: () => T): T {
    return (registry.getSingleMetric(full(name)) as T | undefined) ?? make()
  }
  return {
    core,
    registry,
    counter: (name, help, labelNames = []) =>
      reuse(name, () => new Counter({ name: full(name), help, labelNames: [...labelNames], registers: [registry] })),
    gauge: (name, help, labelNames = []) =>
      reuse(name, () => new Gauge({ name: full(name), help, labelNames: [...labelNames], registers: [registry] })),
    // Default buckets reach 2 minutes: a saturated process's seconds land in a bucket, not only in +Inf.
    histogram: (name, help, labelNames = [], buckets = LATENCY_BUCKETS) =>
      reuse(
        name,
        () =>
          new Histogram({
            name: full(name),
            help,
            labelNames: [...labelNames],
            registers: [registry],
            buckets,
          }),
      ),
  }
}

export function createMetricsRegistry(): { registry: Registry; core: CoreMetrics } {
  const registry = new Registry()
  return { registry, core: createCoreMetrics(registry) }
}
