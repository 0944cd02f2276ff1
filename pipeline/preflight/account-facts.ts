import {
  type ApiKeyCreds,
  type AssetType,
  type ClobClient,
  createL2Headers,
  OrderType,
  Side,
} from '@polymarket/clob-client-v2'
import { z } from 'zod'
import type { Credentials, ExchangeEndpoints } from '../context.ts'
import type { AssetType as Asset } from './spenders.ts'

/**
 * What the exchange says about the account, gathered once for the checks (checks.ts). Every read is independent:
 * one that fails is recorded by name and the others still run, so the report lists every problem at once.
 */

export interface AllowanceFacts {
  readonly tokenId?: string
  readonly balance: number
  readonly allowances: Readonly<Record<string, string>>
}

export interface RateLimitFacts {
  readonly tier?: string
  readonly limit?: string
  readonly remaining?: string
  readonly warning: boolean
}

export type ProbeOutcome =
  | { readonly ok: true; readonly market: string }
  | { readonly ok: false; readonly error: string }

export interface AccountFacts {
  readonly signer: string
  readonly funder: string | undefined
  readonly signatureType: number
  readonly chainId: number
  readonly credsSource: 'env' | 'derived'
  /** Server clock minus ours, ms; undefined when /time did not answer. */
  readonly clockSkewMs?: number
  readonly apiKeyListed?: boolean
  readonly closedOnly?: boolean
  readonly collateral?: AllowanceFacts
  readonly conditional?: AllowanceFacts | 'no-market'
  readonly conditionalV2?: AllowanceFacts | 'no-market'
  readonly positions?: { readonly tokens: number; readonly shares: number }
  readonly rateLimit?: RateLimitFacts
  /** Only with --probe-order. */
  readonly probe?: ProbeOutcome
  /** Reads that failed, by name, with the exchange's answer. */
  readonly failures: Readonly<Record<string, string>>
}

const BalanceAllowanceSchema = z.object({
  balance: z.union([z.string(), z.number()]).transform(Number),
  allowances: z.record(z.string(), z.union([z.string(), z.number()]).transform(String)).default({}),
})
const GammaRowSchema = z.object({
  version: z.string().optional(),
  clobTokenIds: z.string().optional(),
  positionIds: z.array(z.string()).optional(),
  question: z.string().default(''),
  orderPriceMinTickSize: z.union([z.number(), z.string()]).optional(),
  orderMinSize: z.union([z.number(), z.string()]).optional(),
  negRisk: z.boolean().optional(),
  acceptingOrders: z.boolean().optional(),
})
const PositionRowSchema = z.object({ asset: z.string(), size: z.number() })

export interface GatherOptions {
  readonly client: ClobClient
  readonly creds: ApiKeyCreds
  readonly credsSource: 'env' | 'derived'
  readonly signer: { getAddress(): Promise<string> } & Parameters<typeof createL2Headers>[0]
  readonly credentials: Credentials
  readonly endpoints: ExchangeEndpoints
  readonly probeOrder: boolean
  readonly fetch?: typeof fetch
  readonly now?: () => number
}

/** Gamma's JSON-text fields: text that is not JSON reads as absent (the market is then not used), never a throw. */
function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function message(err: unknown): string {
  const e = err as { message?: string; status?: number; data?: unknown; error?: unknown }
  const body = e?.data ?? e?.error
  const detail = body === undefined ? '' : ` ${typeof body === 'string' ? body : JSON.stringify(body)}`
  return `${e?.status ? `HTTP ${e.status} ` : ''}${e?.message ?? String(err)}${detail}`.trim()
}

export async function gatherAccountFacts(o: GatherOptions): Promise<AccountFacts> {
  const failures: Record<string, string> = {}
  const now = o.now ?? Date.now
  const doFetch = o.fetch ?? fetch
  async function read<T>(name: string, f: () => Promise<T>): Promise<T | undefined> {
    try {
      return await f()
    } catch (err) {
      failures[name] = message(err)
      return undefined
    }
  }
  const signer = await o.signer.getAddress()
  const funder = o.credentials.funder ?? (o.credentials.signatureType === 0 ? signer : undefined)

  const before = now()
  const serverSec = await read('GET /time', async () => Number(await o.client.getServerTime()))
  const clockSkewMs =
    serverSec !== undefined && Number.isFinite(serverSec) ? serverSec * 1000 - (before + now()) / 2 : undefined

  const apiKeyListed = await read('GET /auth/api-keys', async () => {
    const r = (await o.client.getApiKeys()) as { apiKeys?: unknown }
    const keys = z.array(z.string()).catch([]).parse(r.apiKeys)
    return keys.includes(o.creds.key)
  })
  const closedOnly = await read('GET /auth/ban-status/closed-only', async () => {
    const r = (await o.client.getClosedOnlyMode()) as { closed_only?: unknown }
    return r.closed_only === true
  })

  async function allowances(asset: Asset, tokenId?: string): Promise<AllowanceFacts | undefined> {
    return read(`GET /balance-allowance ${asset}`, async () => {
      const r = await o.client.getBalanceAllowance({
        asset_type: asset as AssetType,
        ...(tokenId ? { token_id: tokenId } : {}),
      })
      const parsed = BalanceAllowanceSchema.parse(r)
      return { ...(tokenId ? { tokenId } : {}), balance: parsed.balance / 1e6, allowances: parsed.allowances }
    })
  }

  const markets = await read('GET gamma /markets', async () => {
    const res = await doFetch(`${o.endpoints.gammaUrl}/markets?closed=false&limit=100`)
    if (!res.ok) throw new Error(`HTTP ${res.status}`)
    return z.array(GammaRowSchema.catch({ question: '' })).parse(await res.json())
  })
  const v1 = markets?.find((m) => m.version !== 'v2' && m.clobTokenIds && m.acceptingOrders !== false)
  const v2 = markets?.find((m) => m.version === 'v2' && (m.positionIds?.length ?? 0) > 0 && m.acceptingOrders !== false)
  const v1Token = v1?.clobTokenIds
    ? z.array(z.string()).catch([]).parse(jsonOrUndefined(v1.clobTokenIds))[0]
    : undefined
  const v2Token = v2?.positionIds?.[0]

  const collateral = await allowances('COLLATERAL')
  const conditional = v1Token ? await allowances('CONDITIONAL', v1Token) : markets ? ('no-market' as const) : undefined
  const conditionalV2 = v2Token
    ? await allowances('CONDITIONAL-V2', v2Token)
    : markets
      ? ('no-market' as const)
      : undefined

  const positions = await read('GET data-api /positions', async () => {
    let tokens = 0
    let shares = 0
    for (let offset = 0; offset < 50_000; offset += 500) {
      const res = await doFetch(
        `${o.endpoints.dataApiUrl}/positions?user=${funder ?? signer}&limit=500&offset=${offset}`,
      )
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const rows = z.array(PositionRowSchema).parse(await res.json())
      tokens += rows.filter((r) => r.size > 0).length
      shares += rows.reduce((s, r) => s + r.size, 0)
      if (rows.length < 500) break
    }
    return { tokens, shares }
  })

  // A cancel of an order that does not exist costs one cancel token and carries the per-signer rate-limit
  // headers that the official client drops (protocol §7.2).
  const rateLimit = await read('DELETE /order (rate-limit headers)', async () => {
    const body = JSON.stringify({ orderID: `0x${'0'.repeat(64)}` })
    const headers = await createL2Headers(o.signer, o.creds, { method: 'DELETE', requestPath: '/order', body })
    const res = await doFetch(`${o.endpoints.clobUrl}/order`, {
      method: 'DELETE',
      headers: { ...(headers as unknown as Record<string, string>), 'Content-Type': 'application/json' },
      body,
    })
    if (res.status === 401 || res.status === 403) throw new Error(`HTTP ${res.status} ${await res.text()}`)
    const h = (n: string) => res.headers.get(n) ?? undefined
    const tier = h('Poly-RateLimit-Tier')
    const limit = h('Poly-RateLimit-Limit')
    const remaining = h('Poly-RateLimit-Remaining')
    return {
      ...(tier ? { tier } : {}),
      ...(limit ? { limit } : {}),
      ...(remaining ? { remaining } : {}),
      warning: h('Poly-RateLimit-Warning') === 'true',
    }
  })

  let probe: ProbeOutcome | undefined
  if (o.probeOrder) probe = await probeOrder(o.client, v1, v1Token)

  return {
    signer,
    funder,
    signatureType: o.credentials.signatureType,
    chainId: o.endpoints.chainId,
    credsSource: o.credsSource,
    ...(clockSkewMs !== undefined ? { clockSkewMs } : {}),
    ...(apiKeyListed !== undefined ? { apiKeyListed } : {}),
    ...(closedOnly !== undefined ? { closedOnly } : {}),
    ...(collateral ? { collateral } : {}),
    ...(conditional ? { conditional } : {}),
    ...(conditionalV2 ? { conditionalV2 } : {}),
    ...(positions ? { positions } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(probe ? { probe } : {}),
    failures,
  }
}

/**
 * The only way to learn whether the exchange admits this account's orders (deposit-wallet accounts are refused
 * at POST /order, protocol §7.5): one post-only BUY of the minimum size at the lowest price, cancelled at once.
 */
async function probeOrder(
  client: ClobClient,
  market: z.infer<typeof GammaRowSchema> | undefined,
  tokenId: string | undefined,
): Promise<ProbeOutcome> {
  if (!market || !tokenId) return { ok: false, error: 'no open V1 market found on Gamma to place the probe order on' }
  const tick = Number(market.orderPriceMinTickSize ?? 0.01)
  const size = Math.max(5, Number(market.orderMinSize ?? 5))
  try {
    const r = (await client.createAndPostOrder(
      { tokenID: tokenId, price: tick, size, side: Side.BUY },
      { tickSize: String(tick) as '0.01', negRisk: market.negRisk === true },
      OrderType.GTC,
      true,
    )) as { success?: boolean; orderID?: string; errorMsg?: string; error?: string }
    if (r.orderID) await client.cancelOrder({ orderID: r.orderID }).catch(() => undefined)
    if (r.success === false || (!r.orderID && (r.errorMsg || r.error)))
      return { ok: false, error: r.errorMsg || r.error || 'refused' }
    return { ok: true, market: market.question }
  } catch (err) {
    return { ok: false, error: message(err) }
  }
}
