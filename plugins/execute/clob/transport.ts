import type { Clock } from '../../../pipeline/clock.ts'
import type { Credentials, ExchangeEndpoints } from '../../../pipeline/context.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import { loadClobClient } from './client.ts'
import { createClobPort, type ExchangePort } from './exchange-port.ts'
import type { FastSigner } from './fast-signer.ts'
import type { OrderBudget } from './rate-budget.ts'
import { createTradingHttp } from './trading-http.ts'
import { createUserChannel, type UserChannel, type UserChannelOptions, userChannelUrl } from './user-channel.ts'

/**
 * How the executor reaches the exchange, and nothing else: the official client over HTTP plus the user-channel
 * WebSocket in production and paper trading, or an in-process exchange in backtests (lab/inproc). Everything
 * above it — executor, reconciliation, heartbeat, balance refreshes — is the same code either way.
 */
export interface ClobTransport {
  connect(args: ConnectArgs): Promise<ClobConnection>
}

export interface ConnectArgs {
  readonly signer: FastSigner
  readonly credentials: Credentials
  readonly endpoints: ExchangeEndpoints
  /** Where trading answers' rate-limit headers go. */
  readonly budget: Pick<OrderBudget, 'onHeaders'>
  readonly owns: (conditionId: string) => boolean
  readonly clock: Clock
  readonly log: Logger
  readonly timeoutMs: number
}

/** What the user channel tells the executor; the transport owns the socket. */
export type UserChannelHooks = Pick<UserChannelOptions, 'onEvent' | 'onConnected' | 'onStatus' | 'silenceMs'>

export interface ClobConnection {
  readonly port: ExchangePort
  /** Our API key: fills are recognised by it. */
  readonly apiKey: string
  /** Where the key came from, for the start log line (never the key itself). */
  readonly keySource: string
  userChannel(hooks: UserChannelHooks): UserChannel
}

/** Polymarket (or the simulator over loopback): @polymarket/clob-client-v2, raw trading calls, the user WebSocket. */
export const httpTransport: ClobTransport = {
  async connect(a) {
    const built = await loadClobClient({
      host: a.endpoints.clobUrl,
      chainId: a.endpoints.chainId,
      signer: a.signer,
      credentials: a.credentials,
    })
    const port = createClobPort({
      client: built.client,
      trading: createTradingHttp({
        host: a.endpoints.clobUrl,
        creds: built.creds,
        signer: a.signer,
        onHeaders: (bucket, headers) => a.budget.onHeaders(bucket, headers),
      }),
      clock: a.clock,
      dataApiUrl: a.endpoints.dataApiUrl,
      timeoutMs: a.timeoutMs,
      owns: a.owns,
      log: a.log,
    })
    return {
      port,
      apiKey: built.creds.key,
      keySource: built.credsSource,
      userChannel: (hooks) =>
        createUserChannel({
          url: userChannelUrl(a.endpoints.wsUrl),
          auth: { apiKey: built.creds.key, secret: built.creds.secret, passphrase: built.creds.passphrase },
          clock: a.clock,
          log: a.log,
          ...hooks,
        }),
    }
  },
}
