// Fault injection state, switchable at run time (POST /admin/faults) and from the scenario. The server consults it
// on every REST request and every outgoing WebSocket frame.
import { z } from 'zod'
import { createPrng, type Prng } from './prng.ts'

export const RouteFaultSchema = z.object({
  path: z.string().min(1).describe('Exact pathname, or a prefix ending in *'),
  method: z.enum(['GET', 'POST', 'DELETE', 'ANY']).default('ANY'),
  status: z.number().int().min(400).max(599),
  count: z.number().int().positive().optional().describe('Fail this many requests, then stop; unlimited if absent'),
})
export type RouteFault = z.infer<typeof RouteFaultSchema>

const ChannelSchema = z.enum(['market', 'user', 'all'])
const Rate = z.number().min(0).max(1)

export const FaultsPatchSchema = z.strictObject({
  reset: z.boolean().optional().describe('Clear every fault before applying the rest'),
  ws_drop: z.boolean().optional().describe('Close every matching WebSocket now (one-shot)'),
  ws_channel: ChannelSchema.optional(),
  ws_silent: z.boolean().optional().describe('Keep sockets open but send nothing, not even PONG'),
  ws_delay_ms: z.number().nonnegative().optional(),
  ws_drop_rate: Rate.optional(),
  ws_duplicate_rate: Rate.optional(),
  ws_malformed_rate: Rate.optional(),
  rest_latency_ms: z.number().nonnegative().optional(),
  rest_errors: z.array(RouteFaultSchema).optional().describe('Replaces the list of failing routes'),
  trade_fail_rate: Rate.optional().describe(
    'Share of new trades that go MATCHED → RETRYING → FAILED (settlement undone)',
  ),
  submit_hang: z
    .object({ count: z.number().int().positive().default(1), hang_ms: z.number().nonnegative().default(60_000) })
    .optional()
    .describe('POST /order(s): accept and process, then withhold the response'),
  heartbeat_lose: z
    .union([
      z.number().int().nonnegative(),
      z.object({ count: z.number().int().nonnegative(), hang_ms: z.number().nonnegative().default(10_000) }),
    ])
    .optional()
    .describe('The next n accepted heartbeats rotate the id, but their answer never reaches the client'),
  rate_limit_exhaust: z
    .object({
      address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
      bucket: z.enum(['order', 'cancel', 'both']).default('both'),
    })
    .optional()
    .describe('Empty the signer bucket(s) now (one-shot); they refill at the tier rate'),
  ws_frozen: z.boolean().optional().describe('Market sockets keep answering PONG but send no book data'),
  exchange_mode: z
    .object({
      mode: z.enum(['normal', 'restarting', 'cancel_only', 'post_only']),
      for_ms: z.number().positive().optional().describe('Back to normal by itself after this long'),
    })
    .optional(),
})
export type FaultsPatch = z.infer<typeof FaultsPatchSchema>

export type FaultsState = {
  wsChannel: 'market' | 'user' | 'all'
  wsSilent: boolean
  wsDelayMs: number
  wsDropRate: number
  wsDuplicateRate: number
  wsMalformedRate: number
  restLatencyMs: number
  restErrors: Array<RouteFault & { remaining: number | undefined }>
  tradeFailRate: number
  submitHang: { remaining: number; hangMs: number } | undefined
  heartbeatLose: { remaining: number; hangMs: number }
  wsFrozen: boolean
  /** `untilMs` undefined = until changed. A restart window is followed by post-only (production does so). */
  exchangeMode: { mode: ExchangeMode; untilMs: number | undefined }
}

export type ExchangeMode = 'normal' | 'restarting' | 'cancel_only' | 'post_only'

export type Faults = {
  state(): FaultsState
  /** Returns the one-shot actions the patch asked for (WebSocket drop, bucket drain). */
  apply(patch: FaultsPatch): { dropNow: boolean; exhaust: FaultsPatch['rate_limit_exhaust'] }
  /** Hang time (ms) when the next accepted heartbeat's answer must be lost, else undefined. */
  takeHeartbeatLose(): number | undefined
  /** The exchange mode now (expired windows roll over: restarting → post_only → normal). */
  exchangeMode(): ExchangeMode
  routeError(method: string, path: string): number | undefined
  takeSubmitHang(): number | undefined
  /** Decide (seeded) whether a new trade will fail on chain. */
  tradeFails(): boolean
  /** Per outgoing frame: how to deliver it. */
  frameAction(channel: 'market' | 'user'): { drop: boolean; duplicate: boolean; malformed: boolean; delayMs: number }
  silent(channel: 'market' | 'user'): boolean
}

function initial(): FaultsState {
  return {
    wsChannel: 'all',
    wsSilent: false,
    wsDelayMs: 0,
    wsDropRate: 0,
    wsDuplicateRate: 0,
    wsMalformedRate: 0,
    restLatencyMs: 0,
    restErrors: [],
    tradeFailRate: 0,
    submitHang: undefined,
    heartbeatLose: { remaining: 0, hangMs: 10_000 },
    wsFrozen: false,
    exchangeMode: { mode: 'normal', untilMs: undefined },
  }
}

export function createFaults(seed = 1, now: () => number = Date.now, postOnlyAfterRestartMs = 120_000): Faults {
  let s = initial()
  const prng: Prng = createPrng(seed ^ 0xfa017)
  const applies = (channel: 'market' | 'user') => s.wsChannel === 'all' || s.wsChannel === channel
  return {
    state: () => s,
    apply(patch) {
      if (patch.reset) s = initial()
      if (patch.ws_channel !== undefined) s.wsChannel = patch.ws_channel
      if (patch.ws_silent !== undefined) s.wsSilent = patch.ws_silent
      if (patch.ws_delay_ms !== undefined) s.wsDelayMs = patch.ws_delay_ms
      if (patch.ws_drop_rate !== undefined) s.wsDropRate = patch.ws_drop_rate
      if (patch.ws_duplicate_rate !== undefined) s.wsDuplicateRate = patch.ws_duplicate_rate
      if (patch.ws_malformed_rate !== undefined) s.wsMalformedRate = patch.ws_malformed_rate
      if (patch.rest_latency_ms !== undefined) s.restLatencyMs = patch.rest_latency_ms
      if (patch.rest_errors !== undefined) s.restErrors = patch.rest_errors.map((r) => ({ ...r, remaining: r.count }))
      if (patch.trade_fail_rate !== undefined) s.tradeFailRate = patch.trade_fail_rate
      if (patch.submit_hang !== undefined)
        s.submitHang = { remaining: patch.submit_hang.count, hangMs: patch.submit_hang.hang_ms }
      const lose = patch.heartbeat_lose
      if (lose !== undefined)
        s.heartbeatLose =
          typeof lose === 'number'
            ? { remaining: lose, hangMs: 10_000 }
            : { remaining: lose.count, hangMs: lose.hang_ms }
      if (patch.ws_frozen !== undefined) s.wsFrozen = patch.ws_frozen
      if (patch.exchange_mode !== undefined) {
        const { mode, for_ms } = patch.exchange_mode
        s.exchangeMode = { mode, untilMs: for_ms === undefined ? undefined : now() + for_ms }
      }
      return { dropNow: patch.ws_drop === true, exhaust: patch.rate_limit_exhaust }
    },
    takeHeartbeatLose() {
      const h = s.heartbeatLose
      if (h.remaining <= 0) return undefined
      h.remaining--
      return h.hangMs
    },
    exchangeMode() {
      const m = s.exchangeMode
      if (m.untilMs !== undefined && now() >= m.untilMs) {
        s.exchangeMode =
          m.mode === 'restarting' && postOnlyAfterRestartMs > 0
            ? { mode: 'post_only', untilMs: m.untilMs + postOnlyAfterRestartMs }
            : { mode: 'normal', untilMs: undefined }
        return this.exchangeMode()
      }
      return m.mode
    },
    routeError(method, path) {
      for (const r of s.restErrors) {
        if (r.remaining === 0) continue
        if (r.method !== 'ANY' && r.method !== method) continue
        const hit = r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : path === r.path
        if (!hit) continue
        if (r.remaining !== undefined) r.remaining--
        return r.status
      }
      return undefined
    },
    takeSubmitHang() {
      const h = s.submitHang
      if (!h || h.remaining <= 0) return undefined
      h.remaining--
      return h.hangMs
    },
    tradeFails: () => s.tradeFailRate > 0 && prng.chance(s.tradeFailRate),
    frameAction(channel) {
      if (!applies(channel)) return { drop: false, duplicate: false, malformed: false, delayMs: 0 }
      return {
        drop: s.wsDropRate > 0 && prng.chance(s.wsDropRate),
        duplicate: s.wsDuplicateRate > 0 && prng.chance(s.wsDuplicateRate),
        malformed: s.wsMalformedRate > 0 && prng.chance(s.wsMalformedRate),
        delayMs: s.wsDelayMs,
      }
    },
    silent: (channel) => s.wsSilent && applies(channel),
  }
}
