import type { ClobTransport } from '../../plugins/execute/clob/transport.ts'
import type { UserChannel } from '../../plugins/execute/clob/user-channel.ts'
import { parseUserFrame } from '../../plugins/execute/clob/user-channel-wire.ts'
import type { InProcessExchange } from './exchange.ts'
import { createInProcessPort } from './port.ts'

/**
 * The `clob` plugin's transport in a backtest: the port over the simulator's route handlers and the user channel
 * as an in-process socket. Everything above the transport (executor, reconciliation, heartbeat, balance refreshes)
 * is the production plugin's own code, so a backtest trades exactly as a paper run does.
 */
export function inProcessTransport(ex: InProcessExchange): ClobTransport {
  return {
    async connect(a) {
      return {
        port: createInProcessPort(ex, (bucket, headers) => a.budget.onHeaders(bucket, headers)),
        apiKey: ex.apiKey,
        keySource: 'the in-process exchange',
        userChannel(hooks): UserChannel {
          let markets: readonly string[] = []
          let socket: { close(): void } | undefined
          let started = false
          const open = (reconnect: boolean) => {
            socket?.close()
            socket = ex.userSocket((text) => {
              for (const e of parseUserFrame(text).events) hooks.onEvent(e)
            }, markets)
            hooks.onStatus(true, '')
            hooks.onConnected(reconnect)
          }
          return {
            start() {
              started = true
              open(false)
            },
            // The in-process socket is subscribed at open: a new market list opens it again (nothing is missed).
            setMarkets(ids) {
              markets = [...ids]
              if (started) open(false)
            },
            reconnect() {
              if (started) open(true)
            },
            stop() {
              started = false
              socket?.close()
              socket = undefined
            },
            get connected() {
              return socket !== undefined
            },
          }
        },
      }
    },
  }
}
