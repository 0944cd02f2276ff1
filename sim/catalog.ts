// Market metadata in the shapes of the three APIs: CLOB /markets (snake_case), CLOB /clob-markets (abbreviated
// MarketDetails), Gamma /markets (camelCase, JSON-string fields) and Data API /positions and /trades.
import type { Account, MarketState, SimTrade } from './engine.ts'
import { PRICE_SCALE } from './units.ts'
import { ownLastTrade, topOfBook } from './wire.ts'

const COLLATERAL = '0xC011a7E12a19f7B1f670d46F03B03f3342E82DFB'

function midOf(m: MarketState, outcome: 0 | 1): number | undefined {
  const t = topOfBook(m, outcome)
  if (t.bid !== undefined && t.ask !== undefined) return (t.bid + t.ask) / 2
  return ownLastTrade(m, outcome)
}

export function priceOf(m: MarketState, outcome: 0 | 1): number {
  const mid = midOf(m, outcome)
  if (mid !== undefined) return mid / PRICE_SCALE
  return outcome === 0 ? m.spec.dynamics.initial_prob : 1 - m.spec.dynamics.initial_prob
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d

export function clobMarket(m: MarketState) {
  const s = m.spec
  return {
    enable_order_book: true,
    active: true,
    closed: m.closed,
    archived: false,
    accepting_orders: m.accepting,
    accepting_order_timestamp: null,
    minimum_order_size: s.minOrderSize,
    minimum_tick_size: m.tick / PRICE_SCALE,
    condition_id: s.conditionId,
    question_id: s.questionId,
    question: s.question,
    description: s.description,
    market_slug: s.slug,
    end_date_iso: s.endDate,
    game_start_time: null,
    seconds_delay: 0,
    fpmm: '',
    maker_base_fee: 0,
    taker_base_fee: s.feeRateBps,
    notifications_enabled: true,
    neg_risk: s.negRisk,
    neg_risk_market_id: s.negRisk ? s.questionId : '',
    neg_risk_request_id: '',
    icon: '',
    image: '',
    rewards: {
      rates: [{ asset_address: COLLATERAL, rewards_daily_rate: 0 }],
      min_size: s.rewardsMinSize,
      max_spread: s.rewardsMaxSpread,
    },
    is_50_50_outcome: false,
    tokens: [0, 1].map((i) => ({
      token_id: s.tokens[i as 0 | 1],
      outcome: s.outcomes[i as 0 | 1],
      price: round(priceOf(m, i as 0 | 1)),
      winner: false,
    })),
    tags: [],
  }
}

export function clobMarketDetails(m: MarketState) {
  const s = m.spec
  return {
    c: s.conditionId,
    t: [
      { t: s.tokens[0], o: s.outcomes[0] },
      { t: s.tokens[1], o: s.outcomes[1] },
    ],
    mts: m.tick / PRICE_SCALE,
    nr: s.negRisk,
    fd: { r: s.feeRateBps / 10_000, e: s.feeExponent, to: true },
    mbf: 0,
    tbf: s.feeRateBps,
    r: { mi: s.rewardsMinSize, ma: s.rewardsMaxSpread },
    ao: m.accepting,
    mos: s.minOrderSize,
    sd: 0,
  }
}

export function gammaMarket(m: MarketState, index: number, volume: number) {
  const s = m.spec
  const yes = topOfBook(m, 0)
  const last = ownLastTrade(m, 0)
  const prices = [priceOf(m, 0), priceOf(m, 1)].map((p) => String(round(p)))
  return {
    id: String(500_000 + index),
    question: s.question,
    conditionId: s.conditionId,
    slug: s.slug,
    endDate: s.endDate,
    startDate: '2026-01-01T00:00:00Z',
    description: s.description,
    outcomes: JSON.stringify(s.outcomes),
    outcomePrices: JSON.stringify(prices),
    // §7.1: v1 lists ids in clobTokenIds (JSON text); v2 in positionIds (a real array) and has no clobTokenIds,
    // so a reader that ignores `version` finds no ids for a V2 market.
    version: s.protocol,
    ...(s.protocol === 'v2' ? { positionIds: [...s.tokens] } : { clobTokenIds: JSON.stringify(s.tokens) }),
    volume: String(round(volume, 6)),
    volumeNum: round(volume, 6),
    volume24hr: round(volume, 6),
    liquidity: '0',
    liquidityNum: 0,
    active: true,
    closed: m.closed,
    archived: false,
    restricted: false,
    new: false,
    featured: false,
    questionID: s.questionId,
    enableOrderBook: true,
    acceptingOrders: m.accepting,
    orderPriceMinTickSize: m.tick / PRICE_SCALE,
    orderMinSize: s.minOrderSize,
    negRisk: s.negRisk,
    negRiskOther: false,
    endDateIso: s.endDate.slice(0, 10),
    rewardsMinSize: s.rewardsMinSize,
    rewardsMaxSpread: s.rewardsMaxSpread,
    spread: yes.bid !== undefined && yes.ask !== undefined ? round((yes.ask - yes.bid) / PRICE_SCALE) : 0,
    bestBid: yes.bid === undefined ? 0 : yes.bid / PRICE_SCALE,
    bestAsk: yes.ask === undefined ? 1 : yes.ask / PRICE_SCALE,
    lastTradePrice: last === undefined ? 0 : last / PRICE_SCALE,
    makerBaseFee: 0,
    takerBaseFee: s.feeRateBps,
    feesEnabled: s.feeRateBps > 0,
    events: [{ id: String(900_000 + index), slug: s.slug, title: s.question, negRisk: s.negRisk }],
  }
}

export function dataPositions(
  a: Account,
  markets: (tokenId: string) => { market: MarketState; outcome: 0 | 1 } | undefined,
) {
  const out = []
  for (const [tokenId, pos] of a.positions) {
    const loc = markets(tokenId)
    if (!loc || pos.size <= 0) continue
    const s = loc.market.spec
    const other = (1 - loc.outcome) as 0 | 1
    const cur = round(priceOf(loc.market, loc.outcome))
    const initialValue = pos.size * pos.avgPrice
    const currentValue = pos.size * cur
    out.push({
      proxyWallet: a.address,
      asset: tokenId,
      conditionId: s.conditionId,
      size: round(pos.size, 6),
      avgPrice: round(pos.avgPrice, 6),
      initialValue: round(initialValue, 6),
      currentValue: round(currentValue, 6),
      cashPnl: round(currentValue - initialValue, 6),
      percentPnl: initialValue > 0 ? round(((currentValue - initialValue) / initialValue) * 100, 4) : 0,
      totalBought: round(pos.totalBought, 6),
      realizedPnl: round(pos.realizedPnl, 6),
      percentRealizedPnl: 0,
      curPrice: cur,
      redeemable: false,
      mergeable: false,
      title: s.question,
      slug: s.slug,
      icon: '',
      eventSlug: s.slug,
      outcome: s.outcomes[loc.outcome],
      outcomeIndex: loc.outcome,
      oppositeOutcome: s.outcomes[other],
      oppositeAsset: s.tokens[other],
      endDate: s.endDate,
      negativeRisk: s.negRisk,
    })
  }
  return out
}

/** Data API /trades rows for one account: its own fills (as taker or maker), newest first. */
export function dataTrades(a: Account) {
  const rows = []
  for (let i = a.trades.length - 1; i >= 0; i--) {
    const t = a.trades[i] as SimTrade
    const s = t.market.spec
    const fills =
      t.taker.account === a
        ? [{ order: t.taker, size: t.size, price: t.price }]
        : t.makers
            .filter((f) => f.order.account === a)
            .map((f) => ({ order: f.order, size: f.matched, price: f.price }))
    for (const f of fills) {
      rows.push({
        proxyWallet: a.address,
        side: f.order.side,
        asset: f.order.tokenId,
        conditionId: s.conditionId,
        size: f.size / 1_000_000,
        price: f.price / PRICE_SCALE,
        timestamp: Math.floor(t.matchTime / 1000),
        title: s.question,
        slug: s.slug,
        icon: '',
        eventSlug: s.slug,
        outcome: s.outcomes[f.order.outcome],
        outcomeIndex: f.order.outcome,
        name: '',
        pseudonym: '',
        bio: '',
        profileImage: '',
        transactionHash: t.transactionHash,
      })
    }
  }
  return rows
}
