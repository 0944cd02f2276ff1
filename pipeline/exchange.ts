import { randomBytes } from 'node:crypto'
import type { MmConfig } from '../schemas/config.ts'
import { type Credentials, type ExchangeEndpoints, NO_CREDENTIALS } from './context.ts'
import type { Logger } from './logger.ts'

/** The exchange the daemon talks to: Polymarket, or the embedded simulator started in-process on loopback. */
export interface ExchangeHost {
  readonly endpoints: ExchangeEndpoints
  readonly credentials: Credentials
  /** The paper key was generated for this run (no exchange.with.private_key): a fresh account every run. */
  readonly throwawayKey?: boolean
  /** The in-process simulator, when exchange.use is sim (tests and /status read it). */
  readonly sim: EmbeddedSimulator | undefined
  stop(): Promise<void>
}

/** What the daemon needs of the simulator library (sim/index.ts). */
export interface EmbeddedSimulator {
  readonly urls: {
    readonly clob: string
    readonly ws: string
    readonly gamma: string
    readonly dataApi: string
    readonly admin: string
  }
  stop(): Promise<void>
}

/** The WebSocket base the clients append `market` or `user` to: always ending in `/ws/`. */
export function wsBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '')
  return trimmed.endsWith('/ws') ? `${trimmed}/` : `${trimmed}/ws/`
}

export async function startExchange(config: MmConfig, log: Logger): Promise<ExchangeHost> {
  const ex = config.exchange
  if (ex.use === 'polymarket') {
    const w = ex.with
    return {
      endpoints: {
        kind: 'polymarket',
        clobUrl: w.clob_url,
        wsUrl: wsBase(w.ws_url),
        gammaUrl: w.gamma_url,
        dataApiUrl: w.data_api_url,
        polygonRpcUrl: w.polygon_rpc_url,
        chainId: w.chain_id,
      },
      credentials: {
        privateKey: w.private_key,
        funder: w.funder,
        signatureType: w.signature_type,
        apiKey: w.api_key,
        apiSecret: w.api_secret,
        apiPassphrase: w.api_passphrase,
      },
      sim: undefined,
      stop: async () => {},
    }
  }
  const w = ex.with
  // Loaded lazily: a live daemon never loads the simulator.
  const { startSimulator } = await import('../sim/index.ts')
  const simLog = log.withTag('sim')
  const sim = await startSimulator({
    scenario: w.scenario,
    port: w.port,
    host: w.host,
    ...(w.seed !== undefined ? { seed: w.seed } : {}),
    log: (msg) => simLog.debug(msg),
  })
  log.info(`embedded simulator up: CLOB ${sim.urls.clob}, WS ${sim.urls.ws}, Gamma ${sim.urls.gamma}`)
  // A throwaway paper key unless one is configured: nothing real can be signed for with it.
  const host = simulatorHost(sim, w.private_key ?? `0x${randomBytes(32).toString('hex')}`)
  return { ...host, throwawayKey: w.private_key === undefined }
}

/** The daemon's view of a running simulator: its URLs as endpoints, and the paper account's key. */
export function simulatorHost(sim: EmbeddedSimulator, privateKey: string): ExchangeHost {
  return {
    endpoints: {
      kind: 'sim',
      clobUrl: sim.urls.clob,
      wsUrl: wsBase(sim.urls.ws),
      gammaUrl: sim.urls.gamma,
      dataApiUrl: sim.urls.dataApi,
      polygonRpcUrl: `${sim.urls.clob}/rpc`,
      chainId: 137,
    },
    credentials: { ...NO_CREDENTIALS, privateKey },
    sim,
    stop: () => sim.stop(),
  }
}
