// Seeded synthetic order flow per market: a latent YES probability (random walk in log-odds with jumps),
// background makers quoting a lagged view of it with depth, noise takers, and informed takers who trade toward the
// latent value. Makers learn jumps slowly, so resting quotes near the touch get picked off after jumps: a naive
// quoter sees adverse selection.
import type { SimClock } from './clock.ts'
import type { Engine, MarketState, Side, SimOrder } from './engine.ts'
import { createPrng, type Prng } from './prng.ts'
import { PRICE_SCALE } from './units.ts'

type MakerBot = { address: string; owner: string; view: number; orders: SimOrder[]; nextQuote: number }

type MarketFlow = {
  market: MarketState
  prng: Prng
  logit: number
  makers: MakerBot[]
}

export type Flow = {
  start(): void
  stop(): void
  /** Run one step synchronously (the timer calls this; tests can too). */
  step(): void
  latent(conditionId: string): number | undefined
}

const logistic = (x: number) => 1 / (1 + Math.exp(-x))
const logit = (p: number) => Math.log(p / (1 - p))

export function createFlow(deps: { engine: Engine; clock: SimClock; seed: number; stepMs: number }): Flow {
  const { engine, clock, stepMs } = deps
  const root = createPrng(deps.seed)
  let counter = 0
  const nextId = () => `0xf10${(++counter).toString(16).padStart(61, '0')}`

  const flows: MarketFlow[] = engine.markets.map((market, mi) => {
    const prng = root.fork(`market:${market.spec.conditionId}`)
    const p0 = market.spec.dynamics.initial_prob
    const makers: MakerBot[] = []
    for (let k = 0; k < market.spec.dynamics.makers.count; k++) {
      makers.push({
        address: `0x${'b0'.repeat(18)}${mi.toString(16).padStart(2, '0')}${k.toString(16).padStart(2, '0')}`,
        owner: `00000000-0000-4000-8000-b0${mi.toString(16).padStart(4, '0')}${k.toString(16).padStart(6, '0')}`,
        view: p0,
        orders: [],
        nextQuote: 0,
      })
    }
    return { market, prng, logit: logit(p0), makers }
  })
  const takerAddr = '0x7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a'
  const takerOwner = '00000000-0000-4000-8000-7a7a7a7a7a7a'

  const clampTick = (m: MarketState, units: number) =>
    Math.min(PRICE_SCALE - m.tick, Math.max(m.tick, Math.round(units / m.tick) * m.tick))

  function place(
    f: MarketFlow,
    who: { address: string; owner: string },
    outcome: 0 | 1,
    side: Side,
    price: number,
    shares: number,
    taking: boolean,
  ): SimOrder | undefined {
    const r = engine.place(
      {
        id: nextId(),
        owner: who.owner,
        address: who.address,
        tokenId: f.market.spec.tokens[outcome],
        side,
        price,
        size: Math.max(1, Math.round(shares * 100)) * 10_000,
        orderType: taking ? 'FAK' : 'GTC',
        postOnly: !taking,
      },
      { unlimited: true },
    )
    return r.ok && r.order.resting ? r.order : undefined
  }

  function requote(f: MarketFlow, bot: MakerBot, latent: number): void {
    const m = f.market
    const d = m.spec.dynamics
    bot.view = d.makers.lag * bot.view + (1 - d.makers.lag) * latent
    for (const o of bot.orders) if (o.resting) engine.cancel(o.id, bot.address)
    bot.orders = []
    const center = bot.view * PRICE_SCALE + (f.prng.next() - 0.5) * m.tick
    const half = (d.makers.spread_ticks + 0.5) * m.tick
    for (let lvl = 0; lvl < d.makers.levels; lvl++) {
      const size = d.makers.size * (0.5 + f.prng.next()) * (1 + lvl * 0.3)
      const bid = clampTick(m, Math.floor((center - half - lvl * m.tick) / m.tick) * m.tick)
      const ask = clampTick(m, Math.ceil((center + half + lvl * m.tick) / m.tick) * m.tick)
      // Alternate the token used so both YES and NO books carry native orders (a YES ask is also a NO bid).
      const bo = f.prng.chance(0.5)
        ? place(f, bot, 0, 'BUY', bid, size, false)
        : place(f, bot, 1, 'SELL', PRICE_SCALE - bid, size, false)
      const ao = f.prng.chance(0.5)
        ? place(f, bot, 1, 'BUY', PRICE_SCALE - ask, size, false)
        : place(f, bot, 0, 'SELL', ask, size, false)
      if (bo) bot.orders.push(bo)
      if (ao) bot.orders.push(ao)
    }
  }

  function takeToward(f: MarketFlow, buyYes: boolean, limitYes: number, shares: number): void {
    // Buying YES is the same as buying NO's complement: pick a token at random, as real takers do.
    if (f.prng.chance(0.5))
      place(f, { address: takerAddr, owner: takerOwner }, 0, buyYes ? 'BUY' : 'SELL', limitYes, shares, true)
    else
      place(
        f,
        { address: takerAddr, owner: takerOwner },
        1,
        buyYes ? 'SELL' : 'BUY',
        PRICE_SCALE - limitYes,
        shares,
        true,
      )
  }

  function stepMarket(f: MarketFlow, now: number): void {
    const m = f.market
    const d = m.spec.dynamics
    const dtMin = stepMs / 60_000
    const dtHour = stepMs / 3_600_000
    f.logit += d.drift * dtHour + d.vol * Math.sqrt(dtMin) * f.prng.normal()
    if (d.jump_rate_per_hour > 0 && f.prng.chance(d.jump_rate_per_hour * dtHour))
      f.logit += d.jump_size * f.prng.normal()
    f.logit = Math.max(-7, Math.min(7, f.logit))
    const latent = logistic(f.logit)
    if (!m.accepting) return

    for (const bot of f.makers) {
      if (now >= bot.nextQuote) {
        engine.batch(() => requote(f, bot, latent))
        bot.nextQuote = now + d.makers.requote * (0.5 + f.prng.next())
      }
    }

    const book = m.book
    if (d.noise.rate_per_min > 0 && f.prng.chance(Math.min(1, d.noise.rate_per_min * dtMin))) {
      const buy = f.prng.chance(0.5)
      const shares = f.prng.range(d.noise.size[0], d.noise.size[1])
      const limit = buy
        ? book.hasAsk()
          ? book.bestAsk + m.tick
          : undefined
        : book.hasBid()
          ? book.bestBid - m.tick
          : undefined
      if (limit !== undefined) takeToward(f, buy, clampTick(m, limit), shares)
    }

    if (d.informed.rate_per_min > 0) {
      // Informed traders arrive faster the more the book is mispriced (news races), and trade toward the latent.
      const target = latent * PRICE_SCALE
      const edge = d.informed.threshold_ticks * m.tick
      const gapUp = book.hasAsk() ? target - edge - book.bestAsk : Number.NEGATIVE_INFINITY
      const gapDown = book.hasBid() ? book.bestBid - edge - target : Number.NEGATIVE_INFINITY
      const gap = Math.max(gapUp, gapDown)
      if (gap >= 0) {
        const intensity = d.informed.rate_per_min * dtMin * (1 + gap / m.tick)
        if (f.prng.chance(Math.min(1, intensity))) {
          const shares = f.prng.range(d.informed.size[0], d.informed.size[1])
          if (gapUp >= gapDown) takeToward(f, true, clampTick(m, target - edge), shares)
          else takeToward(f, false, clampTick(m, target + edge), shares)
        }
      }
    }
  }

  let cancelTimer: (() => void) | undefined
  let running = false

  const flow: Flow = {
    step() {
      const now = clock.now()
      for (const f of flows) stepMarket(f, now)
    },
    start() {
      if (running) return
      running = true
      const tick = () => {
        if (!running) return
        flow.step()
        cancelTimer = clock.setTimeout(tick, stepMs)
      }
      tick()
    },
    stop() {
      running = false
      cancelTimer?.()
    },
    latent(conditionId) {
      const f = flows.find((x) => x.market.spec.conditionId === conditionId)
      return f ? logistic(f.logit) : undefined
    },
  }
  return flow
}
