// `mm sim` and `mm record` commands. The lead's CLI dispatches to these; each returns the process exit code.
import { parseArgs } from 'node:util'
import { createAcceleratedClock } from './clock.ts'
import { loadScenario, type Simulator, startSimulator } from './index.ts'
import { recordMarketStream } from './record.ts'

const DEFAULT_MARKET_WS = 'wss://ws-subscriptions-clob.polymarket.com/ws/market'

function waitForSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(sig)
    }
    const onInt = on('SIGINT')
    const onTerm = on('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}

export const SIM_USAGE = `usage: mm sim [--scenario <file|default|quiet|trending|jumpy>] [--port <p>] [--host <h>] [--seed <n>]
              [--speed <factor>] [--replay <frames.jsonl>] [--markets <n>]
  --markets <n>  serve n generated binary markets (default flow model) instead of the scenario's, for scale tests`

/** Runs the simulator standalone until SIGINT/SIGTERM. `ready` receives it once listening (for tests). */
export async function runSimCommand(argv: string[], ready?: (sim: Simulator) => void): Promise<number> {
  let values: {
    scenario?: string
    port?: string
    host?: string
    seed?: string
    speed?: string
    replay?: string
    markets?: string
    help?: boolean
  }
  try {
    values = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        seed: { type: 'string' },
        speed: { type: 'string' },
        replay: { type: 'string' },
        markets: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    console.error(`${(err as Error).message}\n${SIM_USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(SIM_USAGE)
    return 0
  }
  const port = values.port === undefined ? 0 : Number(values.port)
  const seed = values.seed === undefined ? undefined : Number(values.seed)
  const speed = values.speed === undefined ? undefined : Number(values.speed)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${values.port}`)
    return 2
  }
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) {
    console.error(`invalid --seed ${values.seed}`)
    return 2
  }
  if (speed !== undefined && !(speed > 0)) {
    console.error(`invalid --speed ${values.speed}`)
    return 2
  }
  const generated = values.markets === undefined ? undefined : Number(values.markets)
  if (generated !== undefined && (!Number.isInteger(generated) || generated < 1 || generated > 20_000)) {
    console.error(`invalid --markets ${values.markets}`)
    return 2
  }
  let sim: Simulator
  try {
    const base = values.scenario ?? 'default'
    const scenario =
      generated === undefined
        ? values.scenario
        : { ...loadScenario(base), markets: [], generate: { markets: generated, seed: seed ?? 1 } }
    sim = await startSimulator({
      ...(scenario !== undefined ? { scenario } : {}),
      ...(values.replay !== undefined ? { replay: values.replay } : {}),
      port,
      host: values.host ?? '127.0.0.1',
      ...(seed !== undefined ? { seed } : {}),
      ...(speed !== undefined ? { clock: createAcceleratedClock(speed) } : {}),
      log: (m) => console.error(`[sim] ${m}`),
    })
  } catch (err) {
    console.error(`sim: ${(err as Error).message}`)
    return 1
  }
  console.log(`CLOB     ${sim.urls.clob}`)
  console.log(`WS       ${sim.urls.ws}/ws/market  ${sim.urls.ws}/ws/user`)
  console.log(`Gamma    ${sim.urls.gamma}`)
  console.log(`Data API ${sim.urls.dataApi}`)
  console.log(`Admin    ${sim.urls.admin}`)
  for (const m of sim.markets.slice(0, 50))
    console.log(`market   ${m.slug}  ${m.protocol}  ${m.conditionId}  YES ${m.tokens[0]}  NO ${m.tokens[1]}`)
  if (sim.markets.length > 50) console.log(`market   … ${sim.markets.length - 50} more (GET ${sim.urls.gamma}/markets)`)
  ready?.(sim)
  await waitForSignal()
  await sim.stop()
  return 0
}

export const RECORD_USAGE = 'usage: mm record --out <file.jsonl> --assets <token,token,...> [--url <ws market url>]'

/** Journals a market channel to JSONL until SIGINT/SIGTERM (or `signal`). */
export async function runRecordCommand(argv: string[], signal?: AbortSignal): Promise<number> {
  let values: { out?: string; url?: string; assets?: string; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        url: { type: 'string' },
        assets: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    console.error(`${(err as Error).message}\n${RECORD_USAGE}`)
    return 2
  }
  if (values.help) {
    console.log(RECORD_USAGE)
    return 0
  }
  const assets = (values.assets ?? '').split(',').filter(Boolean)
  if (!values.out || assets.length === 0) {
    console.error(RECORD_USAGE)
    return 2
  }
  const ctrl = new AbortController()
  signal?.addEventListener('abort', () => ctrl.abort())
  if (!signal) void waitForSignal().then(() => ctrl.abort())
  const stats = await recordMarketStream({
    url: values.url ?? DEFAULT_MARKET_WS,
    assets,
    out: values.out,
    signal: ctrl.signal,
    log: (m) => console.error(`[record] ${m}`),
  })
  console.error(`[record] wrote ${stats.frames} frames to ${values.out}`)
  return 0
}
