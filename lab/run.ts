import { createHash } from 'node:crypto'
import { createConsola } from 'consola'
import type { LoadedConfig } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { type ExchangeHost, simulatorHost } from '../pipeline/exchange.ts'
import { createFastSigner } from '../plugins/execute/clob/fast-signer.ts'
import { createClobPlugin } from '../plugins/execute/clob/index.ts'
import { builtins } from '../plugins/index.ts'
import type { Fill } from '../schemas/domain.ts'
import { type Scenario, startSimulator } from '../sim/index.ts'
import { createVirtualClock, type VirtualClock } from './clock.ts'
import { loadBacktestConfig, type Overrides } from './config.ts'
import { inProcessTransport } from './inproc/clob-transport.ts'
import { createInProcessExchange, DEFAULT_LATENCY, type Latency } from './inproc/exchange.ts'
import { installTransport, LAB_HTTP, LAB_WS } from './inproc/transport.ts'
import { createRecorder, type RunRecord } from './recorder.ts'
import { scenarioSource } from './scenario-source.ts'

/**
 * One backtest run: the daemon (startDaemon, its quote plane, every configured plugin, the clob executor) against
 * the simulator's engine and flow for one seed, on one virtual clock, driven as fast as the CPU allows. Between two
 * timers every promise the last one started is allowed to settle, so the result depends on the seed only.
 */

export interface RunSpec {
  readonly configFile: string
  readonly overrides: Overrides
  /** Absent with `replay`: the recording's markets. */
  readonly scenario?: Scenario
  /** A recorded market-channel JSONL that drives the books instead of the synthetic flow. */
  readonly replay?: string
  readonly seed: number
  readonly durationMs: number
  readonly latency?: Latency
  /** Sampling period of the report's time series. */
  readonly sampleMs?: number
  /** Daily liquidity-rewards pool per market, USD (the simulator publishes none: a stated assumption). */
  readonly rewardsPoolUsdPerDay?: number
  /**
   * `inproc` (default): the in-process transport, fastest. `http`: the unchanged plugins over loopback HTTP and
   * WebSocket to the simulator's server, each timer followed by a wait until the wire is quiet (the parity test).
   */
  readonly transport?: 'inproc' | 'http'
  readonly keepOrders?: boolean
}

export interface RunOutcome extends RunRecord {
  readonly seed: number
  readonly wallMs: number
  readonly simMs: number
  readonly errors: readonly string[]
}

type Settle = () => Promise<void>
const immediate: Settle = () => new Promise<void>((resolve) => setImmediate(resolve))

/** Over real sockets: the wire is quiet once nothing new was scheduled, sent or traded for `quietMs` of wall time. */
function quiescence(activity: () => number, quietMs: number): Settle {
  return async () => {
    let last = activity()
    let quietSince = performance.now()
    for (;;) {
      await new Promise((r) => setTimeout(r, 1))
      const now = activity()
      if (now !== last) {
        last = now
        quietSince = performance.now()
      } else if (performance.now() - quietSince >= quietMs) return
    }
  }
}

async function pumpUntilSettled<T>(
  clock: VirtualClock,
  work: Promise<T>,
  maxSimMs: number,
  settle: Settle,
): Promise<T> {
  let settled = false
  work.then(
    () => (settled = true),
    () => (settled = true),
  )
  const limit = clock.now() + maxSimMs
  await settle()
  while (!settled) {
    if (!clock.runNext(limit)) {
      await settle()
      if (!settled && clock.nextAt() === undefined) throw new Error('backtest stalled: nothing scheduled')
      if (!settled && clock.now() >= limit)
        throw new Error(`backtest: no progress within ${maxSimMs} ms of simulated time`)
      continue
    }
    await settle()
  }
  return work
}

async function pumpUntil(clock: VirtualClock, t: number, settle: Settle, onStep?: () => void): Promise<void> {
  while (clock.runNext(t)) {
    await settle()
    onStep?.()
  }
  clock.jump(t)
}

function keyFor(seed: number): string {
  return `0x${createHash('sha256').update(`mm-lab account ${seed}`).digest('hex')}`
}

export async function runBacktest(spec: RunSpec, onProgress?: (simDoneMs: number) => void): Promise<RunOutcome> {
  const wallStart = performance.now()
  const latency = spec.latency ?? DEFAULT_LATENCY
  const clock = createVirtualClock(Date.UTC(2026, 0, 5, 12))
  const sim = await startSimulator({
    ...(spec.scenario ? { scenario: spec.scenario } : {}),
    seed: spec.seed,
    clock,
    port: 0,
    ...(spec.replay ? { replay: spec.replay } : {}),
  })
  const privateKey = keyFor(spec.seed)
  const address = createFastSigner(privateKey).address
  const http = spec.transport === 'http'
  const ex = createInProcessExchange(sim, clock, address, latency)
  const restore = http ? () => {} : installTransport(sim, ex, clock, latency.wsMs)
  let engineEvents = 0
  const offEngine = sim.engine.subscribe(() => engineEvents++)
  const activity = () => clock.scheduled() + sim.hub.counts().delivered + engineEvents
  // Start-up over real sockets includes CPU-heavy steps without wire activity (L1 key derivation): a longer wait.
  const settle = http ? quiescence(activity, 30) : immediate
  const settleBoot = http ? quiescence(activity, 400) : immediate
  const errors: string[] = []
  const log = createConsola({
    level: 1,
    reporters: [
      {
        log(obj) {
          if (obj.level <= 0 && errors.length < 50) errors.push(obj.args.map((a) => String(a)).join(' '))
        },
      },
    ],
  })
  const plugins = [
    ...builtins.filter((p) => http || !(p.stage === 'execute' && p.name === 'clob')),
    ...(http ? [] : [createClobPlugin(inProcessTransport(ex))]),
    scenarioSource(sim.markets, (events) => {
      recorder = createRecorder({
        events,
        daemon: () => daemon,
        sim,
        clock,
        sampleMs: spec.sampleMs ?? 5000,
        rewardsPoolUsdPerDay: spec.rewardsPoolUsdPerDay ?? 100,
        address: ex.address,
        keepOrders: spec.keepOrders ?? false,
      })
    }),
  ]
  let recorder: ReturnType<typeof createRecorder> | undefined
  const exchange: ExchangeHost = http
    ? { ...simulatorHost(sim, privateKey), stop: async () => {} }
    : {
        endpoints: {
          kind: 'sim',
          clobUrl: LAB_HTTP,
          wsUrl: LAB_WS,
          gammaUrl: `${LAB_HTTP}/gamma`,
          dataApiUrl: `${LAB_HTTP}/data-api`,
          polygonRpcUrl: `${LAB_HTTP}/rpc`,
          chainId: sim.scenario.chain_id,
        },
        credentials: {
          privateKey,
          funder: undefined,
          signatureType: 0,
          apiKey: undefined,
          apiSecret: undefined,
          apiPassphrase: undefined,
        },
        sim,
        stop: async () => {},
      }
  let daemon: Daemon | undefined
  try {
    const loaded: LoadedConfig = await loadBacktestConfig(spec.configFile, spec.overrides, plugins)
    daemon = await pumpUntilSettled(
      clock,
      startDaemon({ loaded, builtins: plugins, log, clock, exchange, stopWaitMs: 1000 }),
      120_000,
      settleBoot,
    )
    if (!recorder) throw new Error('backtest: the scenario source was not built')
    const rec = recorder
    rec.startWindow()
    const t0 = clock.now()
    const end = t0 + spec.durationMs
    let lastReport = 0
    await pumpUntil(clock, end, settle, () => {
      const done = clock.now() - t0
      if (onProgress && done - lastReport >= 60_000) {
        lastReport = done
        onProgress(done)
      }
    })
    rec.finishWindow()
    const d = daemon
    daemon = undefined
    await pumpUntilSettled(clock, d.stop('backtest end'), 60_000, settle)
    // Settlement of the last matches (MINED/CONFIRMED) lands on the simulated chain before the books are marked.
    await pumpUntil(clock, clock.now() + 1000, settle)
    const record = rec.finish()
    return {
      ...record,
      seed: spec.seed,
      wallMs: performance.now() - wallStart,
      simMs: spec.durationMs,
      errors,
    }
  } finally {
    if (daemon) await pumpUntilSettled(clock, daemon.stop('backtest failed'), 60_000, settle).catch(() => undefined)
    offEngine()
    ex.stop()
    restore()
    await sim.stop()
  }
}

export type { Fill }
