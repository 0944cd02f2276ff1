import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { adjustedMid } from '../../../pipeline/rewards.ts'
import type { OrderIntent, QuoteSide } from '../../../schemas/domain.ts'
import { DurationSchema, formatDuration } from '../../../schemas/duration.ts'
import type { LayerInput, LayerOutput, PullQuotes, SideAllowance } from '../../../stages/io.ts'
import { pull } from '../../../stages/io.ts'
import { ceilTicks, clamp, floorTicks, gridSteps, gridTick, tickPrice } from '../../quoting-math/grid.ts'
import { hashString, hashUnit } from '../../quoting-math/rng.ts'
import { yesTop } from '../../quoting-math/yes-top.ts'
import { mapLayer, type Unoffered } from './map-orders.ts'

const ConfigSchema = z.object({
  layers: z.number().int().min(1).max(20).default(3).describe('Price levels per side (ORDER_LAYERS)'),
  step_ticks: z.number().int().min(1).default(1).describe('Ticks between consecutive layers, outward from the touch'),
  base_size_usd: z.number().positive().default(300).describe('USD size of the nearest layer (BASE_SIZE_USD)'),
  max_size_usd: z
    .number()
    .positive()
    .default(1500)
    .describe('Cap of any layer in USD (MAX_SIZE_USD), jitter included; shares = USD / the order price'),
  size_growth: z
    .number()
    .positive()
    .default(1.5)
    .describe('Layer i is base_size_usd · size_growth^i USD before the cap (1.5 in the original daemon)'),
  jitter: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.1)
    .describe(
      'Random size change as a fraction of the layer size, uniform in ±jitter, so the ladder is not a fixed ' +
        'fingerprint. The draw is fixed by (seed, market, side, layer, price): a level keeps its size until its ' +
        'price moves, so jitter alone never makes execute replace an order. 0 = exact sizes',
    ),
  seed: z
    .number()
    .int()
    .optional()
    .describe('Seed of the size jitter; set it for reproducible runs. Unset: derived from the clock at start'),
  ttr_scaling: z
    .boolean()
    .default(false)
    .describe(
      'Time-to-resolution scaling (off by default): within ttr_horizon of the market end date, widen the spread ' +
        'and shrink sizes linearly as the end nears; within ttr_pull_before, quote nothing',
    ),
  ttr_horizon: DurationSchema.prefault('24h').describe('With ttr_scaling: how long before the end date scaling starts'),
  ttr_pull_before: DurationSchema.prefault('10m').describe(
    'With ttr_scaling: no quotes at all this close to the end date',
  ),
  ttr_max_spread_mult: z
    .number()
    .min(1)
    .default(2)
    .describe('With ttr_scaling: half-spread multiplier reached at ttr_pull_before (1 at ttr_horizon)'),
  ttr_min_size_mult: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.5)
    .describe('With ttr_scaling: size multiplier reached at ttr_pull_before (1 at ttr_horizon)'),
  rewards_aware: z
    .boolean()
    .default(false)
    .describe(
      'Liquidity-rewards-aware layering (off by default): on markets with rewards, keep the nearest layer of ' +
        'each side at least the rewards min size and strictly inside the rewards max spread of the mid, moving ' +
        'it in when that neither crosses the book nor passes the mid, and only within max_size_usd after risk',
    ),
})

type LayeredConfig = z.output<typeof ConfigSchema>

/**
 * Layered quoting: `layers` price levels per side, `step_ticks` further out each, sized in USD and converted to
 * shares at each order's price, then mapped to YES/NO orders (DESIGN §3, see map-orders.ts).
 *
 * All prices are whole tick counts until an order is built: bids round down and asks round up, no bid reaches
 * the best YES ask (NO bids mirrored in) and no ask reaches the best YES bid (NO asks mirrored in), and a level
 * outside [tick, 1 − tick] is dropped rather than clamped, so two layers never land on one price.
 */
export default definePlugin({
  name: 'layered',
  stage: 'layer',
  summary: 'Layers per side, step ticks apart, sizes base·growth^i USD capped, mapped to YES/NO orders.',
  config: ConfigSchema,
  reloadable: [
    'layers',
    'step_ticks',
    'base_size_usd',
    'max_size_usd',
    'size_growth',
    'jitter',
    'seed',
    'ttr_scaling',
    'ttr_horizon',
    'ttr_pull_before',
    'ttr_max_spread_mult',
    'ttr_min_size_mult',
    'rewards_aware',
  ],
  examples: [
    { title: 'defaults (3 layers, 300 USD growing 1.5x, capped at 1500 USD)', with: {} },
    { title: 'five layers two ticks apart, exact sizes', with: { layers: 5, step_ticks: 2, jitter: 0 } },
    { title: 'wind down before resolution', with: { ttr_scaling: true, ttr_horizon: '12h', ttr_pull_before: '30m' } },
  ],
  create(cfg, ctx) {
    let seed = cfg.seed ?? hashString(String(ctx.clock.now()))
    const marketHashes = new Map<string, number>()
    const marketHash = (id: string) => {
      let h = marketHashes.get(id)
      if (h === undefined) marketHashes.set(id, (h = hashString(id)))
      return h
    }
    return {
      run(input: LayerInput): LayerOutput | PullQuotes {
        return layer(cfg, seed, marketHash(input.market.conditionId), input)
      },
      reconfigure(next) {
        cfg = next
        if (next.seed !== undefined) seed = next.seed
        return true
      },
    }
  },
})

function layer(cfg: LayeredConfig, seed: number, mHash: number, input: LayerInput): LayerOutput | PullQuotes {
  const { market, books, quote, verdict, position } = input
  if (verdict.state === 'HALTED') return { orders: [], quote }

  let spreadScale = 1
  let sizeScale = 1
  if (cfg.ttr_scaling && market.endDate !== undefined) {
    const ttr = market.endDate - input.now
    if (ttr <= 0) return pull('past its end date (ttr_scaling)')
    if (ttr <= cfg.ttr_pull_before) {
      return pull(
        `resolves in ${formatDuration(Math.round(ttr / 1000) * 1000)} (ttr_pull_before ${formatDuration(cfg.ttr_pull_before)})`,
      )
    }
    if (ttr < cfg.ttr_horizon) {
      // 0 at the horizon, 1 at the pull point.
      const x = (cfg.ttr_horizon - ttr) / (cfg.ttr_horizon - cfg.ttr_pull_before)
      const near = clamp(x, 0, 1)
      spreadScale = 1 + (cfg.ttr_max_spread_mult - 1) * near
      sizeScale = 1 - (1 - cfg.ttr_min_size_mult) * near
    }
  }

  const tick = gridTick(market, books)
  const steps = gridSteps(tick)
  const h = quote.halfSpread
  const bidMult = verdict.bid.spreadMultiplier * spreadScale
  const askMult = verdict.ask.spreadMultiplier * spreadScale
  // Widen each side by extra half-spreads: r ∓ m·h for a symmetric quote, and any asymmetry of the quote kept.
  const bidPx = quote.bid - (bidMult - 1) * h
  const askPx = quote.ask + (askMult - 1) * h
  let bidT = floorTicks(bidPx, tick)
  let askT = ceilTicks(askPx, tick)
  const top = yesTop(books)
  // Never cross or lock the combined book: bid ≤ best ask − tick, ask ≥ best bid + tick.
  const bidLimit = Number.isNaN(top.ask) ? steps - 1 : ceilTicks(top.ask, tick) - 1
  const askLimit = Number.isNaN(top.bid) ? 1 : floorTicks(top.bid, tick) + 1
  bidT = Math.min(bidT, bidLimit)
  askT = Math.max(askT, askLimit)
  if (bidT >= askT) return pull(`inverted quote: bid ${bidPx} ≥ ask ${askPx} after rounding`)

  let bid0 = bidT
  let ask0 = askT
  let bidTarget = 0
  let askTarget = 0
  const rMin = market.rewardsMinSize
  const rSpread = market.rewardsMaxSpread
  if (cfg.rewards_aware && rMin !== undefined && rSpread !== undefined && rSpread > 0) {
    // Scored against the size-cutoff-adjusted mid (§5, §7.6): a thin top level does not move it. A book without
    // that much depth on a side has no adjusted mid: the plain one stands in.
    const cut = adjustedMid(books, rMin)
    const adjMid = Number.isNaN(cut) ? (top.bid + top.ask) / 2 : cut
    if (!Number.isNaN(adjMid)) {
      const midT = adjMid / tick
      const vT = rSpread / 100 / tick
      // Scoring needs a distance from the mid strictly under v: the farthest such level on each side. Moving in
      // stops at the mid, at the reservation price (never buy above or sell below it) and short of the
      // opposite best and the other side's level, so nothing crosses and bid < ask still holds.
      const bidQ = Math.floor(midT - vT + 1e-9) + 1
      const askQ = Math.ceil(midT + vT - 1e-9) - 1
      const rT = quote.reservation / tick
      const bidFits = (reservation: boolean) =>
        bidQ < midT - 1e-9 && (!reservation || bidQ <= rT + 1e-9) && bidQ <= bidLimit && bidQ < ask0 && bidQ >= 1
      const askFits = (reservation: boolean) =>
        askQ > midT + 1e-9 &&
        (!reservation || askQ >= rT - 1e-9) &&
        askQ >= askLimit &&
        askQ > bid0 &&
        askQ <= steps - 1
      if (bid0 < bidQ && bidFits(true)) bid0 = bidQ
      if (ask0 > askQ && askFits(true)) ask0 = askQ
      // One side scoring alone earns a third inside [0.10, 0.90] and nothing outside it: bring the other side in
      // too (past the reservation price, never past the mid or the book) when risk lets it quote.
      const bidScores = () => bid0 >= bidQ
      const askScores = () => ask0 <= askQ
      if (bidScores() && !askScores() && verdict.ask.allowed && askFits(false)) ask0 = askQ
      if (askScores() && !bidScores() && verdict.bid.allowed && bidFits(false)) bid0 = bidQ
      if (bidScores()) bidTarget = rMin
      if (askScores()) askTarget = rMin
    }
  }

  const orders: OrderIntent[] = []
  const held: Unoffered = { yes: Math.max(0, position.yes.shares), no: Math.max(0, position.no.shares) }
  side(cfg, orders, input, 'bid', verdict.bid, sizeScale, bid0, bidT, bidTarget, tick, steps, held, seed, mHash)
  side(cfg, orders, input, 'ask', verdict.ask, sizeScale, ask0, askT, askTarget, tick, steps, held, seed, mHash)

  const clampT = (t: number) => clamp(t, 1, steps - 1)
  return {
    orders,
    quote: {
      fair: quote.fair,
      reservation: quote.reservation,
      halfSpread: (h * (bidMult + askMult)) / 2,
      bid: tickPrice(clampT(bid0), tick),
      ask: tickPrice(clampT(ask0), tick),
    },
  }
}

/** Emit one side's layers: layer 0 at `first` ticks, layer i at `from` ∓ i·step. */
function side(
  cfg: LayeredConfig,
  out: OrderIntent[],
  input: LayerInput,
  quoteSide: QuoteSide,
  allowance: SideAllowance,
  sizeScale: number,
  first: number,
  from: number,
  target: number,
  tick: number,
  steps: number,
  held: Unoffered,
  seed: number,
  mHash: number,
): void {
  if (!allowance.allowed) return
  const dir = quoteSide === 'bid' ? -1 : 1
  const scale = allowance.sizeMultiplier * sizeScale
  if (!(scale > 0)) return
  const capUsd = Math.min(cfg.max_size_usd, cfg.max_size_usd * scale)
  let base = cfg.base_size_usd
  for (let i = 0; i < cfg.layers; i++, base *= cfg.size_growth) {
    const ticks = i === 0 ? first : from + dir * i * cfg.step_ticks
    if (ticks < 1 || ticks > steps - 1) continue
    const u = cfg.jitter > 0 ? hashUnit(seed, mHash, i * 2 + (dir > 0 ? 1 : 0), ticks) : 0.5
    const sized = Math.min(base, cfg.max_size_usd) * (1 + cfg.jitter * (2 * u - 1)) * scale
    const usd = Math.min(sized, capUsd)
    mapLayer(
      out,
      input.market,
      { quoteSide, ticks, layer: i, usd, capUsd, targetShares: i === 0 ? target : 0 },
      tick,
      steps,
      held,
    )
  }
}
