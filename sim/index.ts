// Public entry point of the embedded exchange simulator: `startSimulator` wires scenario → engine → flow → server.
import { type AccountSettings, createAccountSettings } from './accounts.ts'
import { createKeyStore } from './auth.ts'
import { createRealClock, type SimClock } from './clock.ts'
import { CONTRACTS } from './contracts.ts'
import { type Account, createEngine, type Engine, type SimOrder } from './engine.ts'
import { createFaults } from './faults.ts'
import { createFlow, type Flow } from './flow.ts'
import { createHeartbeats } from './heartbeats.ts'
import { createPrng } from './prng.ts'
import { createRateLimits, type RateLimits } from './rate-limits.ts'
import { createReplay, loadRecording, type Replay, scenarioFromRecording } from './replay.ts'
import { buildMarkets, loadScenario, type MarketSpec, type Scenario } from './scenario.ts'
import { startServer } from './server.ts'
import { restOrder } from './wire.ts'
import { createWsHub, type WsHub } from './ws-hub.ts'

export type { ManualClock, SimClock } from './clock.ts'
export { createAcceleratedClock, createManualClock, createRealClock } from './clock.ts'
export type { FaultsPatch } from './faults.ts'
export type { MarketSpec, Scenario } from './scenario.ts'
export { loadScenario, parseScenario } from './scenario.ts'

export type SimulatorOptions = {
  /** Path to a scenario YAML, or a named scenario (`default`, `quiet`, `trending`, `jumpy`). */
  scenario?: string | Scenario
  port?: number
  host?: string
  /** Overrides the scenario's seed. */
  seed?: number
  clock?: SimClock
  log?: (msg: string) => void
  /** Page size of the CLOB's cursor-paginated lists (default 100). */
  pageSize?: number
  /** Run the synthetic flow (default: the scenario's `flow`, true unless set; always off when replaying). */
  flow?: boolean
  /** Drive the books from a recorded market-channel JSONL file instead of synthetic flow. */
  replay?: string
}

export type SimBalances = {
  usdc: number
  reservedUsdc: number
  tokens: Record<string, number>
  reservedTokens: Record<string, number>
}

export type Simulator = {
  urls: {
    /** CLOB REST base (give it to ClobClient as `host`). */
    clob: string
    /** WebSocket base: the client appends `/ws/market` or `/ws/user`. */
    ws: string
    gamma: string
    dataApi: string
    admin: string
  }
  port: number
  markets: MarketSpec[]
  scenario: Scenario
  clock: SimClock
  /** Direct access to the exchange core (tests, benchmarks, in-process tools). */
  engine: Engine
  flow: Flow
  /** Present when started with `replay`. */
  replay: Replay | undefined
  hub: WsHub
  /** Per-address approvals, deposit-wallet restriction and tier (what POST /admin/accounts/<address> sets). */
  accounts: AccountSettings
  /** The per-signer token buckets. */
  rateLimits: RateLimits
  /** Open orders of an address, in the REST /data/orders shape. */
  openOrders(address: string): ReturnType<typeof restOrder>[]
  balances(address: string): SimBalances
  /** Set balances (whole pUSD / shares); omitted fields stay. */
  setBalances(address: string, usdc?: number, tokens?: Record<string, number>): void
  stop(): Promise<void>
}

function balancesOf(a: Account | undefined): SimBalances {
  const m = (x: Map<string, number> | undefined) => Object.fromEntries([...(x ?? [])].map(([k, v]) => [k, v / 1e6]))
  return {
    usdc: (a?.cash ?? 0) / 1e6,
    reservedUsdc: (a?.reservedCash ?? 0) / 1e6,
    tokens: m(a?.tokens),
    reservedTokens: m(a?.reservedTokens),
  }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<Simulator> {
  const recording = opts.replay ? loadRecording(opts.replay) : undefined
  const scenario =
    typeof opts.scenario === 'object'
      ? opts.scenario
      : recording && opts.scenario === undefined
        ? scenarioFromRecording(recording)
        : loadScenario(opts.scenario ?? 'default')
  const seed = opts.seed ?? scenario.seed
  const clock = opts.clock ?? createRealClock()
  const log = opts.log ?? (() => {})
  const host = opts.host ?? '127.0.0.1'
  const markets = buildMarkets(scenario, clock.now())
  const engine = createEngine({
    markets,
    now: () => clock.now(),
    seed,
    initialBalanceMicro: Math.round(scenario.initial_balance_usd * 1e6),
  })
  const keys = createKeyStore(`mm-sim:${seed}`)
  const production = scenario.production
  const faults = createFaults(seed, () => clock.now(), production.post_only_after_restart_ms)
  const contracts = CONTRACTS[scenario.chain_id]
  if (!contracts) throw new Error(`no contracts for chain ${scenario.chain_id}`)
  const accounts = createAccountSettings(contracts)
  for (const a of scenario.accounts) {
    accounts.apply(a.address, a)
    if (a.usdc !== undefined) engine.setBalances(a.address, Math.round(a.usdc * 1e6))
  }
  const rateLimits = createRateLimits({
    clock,
    mode: production.rate_limits.mode,
    defaultTier: production.rate_limits.tier,
    tierOf: (signer) => accounts.tier(signer),
  })
  if (scenario.faults) {
    const { exhaust } = faults.apply(scenario.faults)
    if (exhaust) rateLimits.exhaust(exhaust.address, exhaust.bucket)
  }
  const idPrng = createPrng(seed ^ 0x4b1d)
  const newId = () => {
    const h = Array.from({ length: 4 }, () =>
      Math.floor(idPrng.next() * 2 ** 32)
        .toString(16)
        .padStart(8, '0'),
    ).join('')
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-9${h.slice(17, 20)}-${h.slice(20, 32)}`
  }
  const heartbeats = createHeartbeats({
    clock,
    timeoutMs: scenario.heartbeat_timeout,
    newId,
    onExpire: (address) => {
      const ids = engine.cancelAll(address)
      log(`heartbeat expired for ${address}: cancelled ${ids.length} orders`)
    },
  })
  const hub = createWsHub({ engine, keys, faults, clock, production })

  // Trades involving a real account settle on the simulated chain: MATCHED → MINED → CONFIRMED. Bought shares become
  // sellable at the settlement point production.sellable_after names (CONFIRMED by default: the strictest).
  const volume = new Map<string, number>()
  const timers = new Set<() => void>()
  engine.subscribe((e) => {
    if (e.type !== 'trades') return
    for (const tr of e.trades) {
      const cid = tr.market.spec.conditionId
      volume.set(cid, (volume.get(cid) ?? 0) + tr.size / 1e6)
      if (!engine.trade(tr.id)) continue
      const fails = faults.tradeFails()
      const settleAt = production.sellable_after
      if (settleAt === 'matched' && !fails) engine.settleTrade(tr)
      const mined = clock.setTimeout(() => {
        timers.delete(mined)
        engine.setTradeStatus(tr, fails ? 'RETRYING' : 'MINED')
        if (!fails && settleAt === 'mined') engine.settleTrade(tr)
      }, scenario.trade_mined_after)
      const confirmed = clock.setTimeout(() => {
        timers.delete(confirmed)
        if (fails) engine.failTrade(tr)
        else {
          engine.settleTrade(tr)
          engine.setTradeStatus(tr, 'CONFIRMED')
        }
      }, scenario.trade_confirmed_after)
      timers.add(mined)
      timers.add(confirmed)
    }
  })

  let version: 1 | 2 = scenario.api_version
  const server = startServer({
    engine,
    keys,
    clock,
    faults,
    heartbeats,
    hub,
    rateLimits,
    accounts,
    production,
    contracts,
    chainId: scenario.chain_id,
    version: { get: () => version, set: (v) => (version = v) },
    pageSize: opts.pageSize ?? 100,
    host,
    port: opts.port ?? 0,
    log,
    volume: (cid) => volume.get(cid) ?? 0,
  })

  const flow = createFlow({ engine, clock, seed, stepMs: scenario.step })
  const replay = recording ? createReplay({ engine, clock, events: recording, log }) : undefined
  if (replay) replay.start()
  else if (opts.flow ?? scenario.flow) flow.start()

  // GTD expiry sweep.
  let sweeping = true
  let cancelSweep = () => {}
  const sweep = () => {
    if (!sweeping) return
    engine.expire(clock.now())
    for (const m of engine.closeEnded(clock.now())) log(`market ${m.spec.slug} reached its end date: closed`)
    cancelSweep = clock.setTimeout(sweep, 1000)
  }
  sweep()

  const base = `http://${host}:${server.port}`
  log(`simulator listening on ${base} (scenario ${scenario.name}, seed ${seed})`)
  let stopped = false
  return {
    urls: {
      clob: base,
      ws: `ws://${host}:${server.port}`,
      gamma: `${base}/gamma`,
      dataApi: `${base}/data-api`,
      admin: `${base}/admin`,
    },
    port: server.port ?? 0,
    markets,
    scenario,
    clock,
    engine,
    flow,
    replay,
    hub,
    accounts,
    rateLimits,
    openOrders: (address) => [...(engine.findAccount(address)?.open ?? [])].map((o: SimOrder) => restOrder(o)),
    balances: (address) => balancesOf(engine.findAccount(address)),
    setBalances: (address, usdc, tokens) => {
      const t: Record<string, number> = {}
      for (const [k, v] of Object.entries(tokens ?? {})) t[k] = Math.round(v * 1e6)
      engine.setBalances(address, usdc === undefined ? undefined : Math.round(usdc * 1e6), t)
    },
    async stop() {
      if (stopped) return
      stopped = true
      flow.stop()
      replay?.stop()
      sweeping = false
      cancelSweep()
      heartbeats.stop()
      for (const t of timers) t()
      hub.closeAll()
      await server.stop(true)
    },
  }
}
