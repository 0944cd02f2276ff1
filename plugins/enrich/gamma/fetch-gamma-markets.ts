import { z } from 'zod'
import type { Clock } from '../../../pipeline/clock.ts'
import { type GammaMarket, GammaMarketSchema } from './gamma-market.ts'

export interface FetchGammaOptions {
  /** Token ids per request. */
  readonly chunkSize: number
  readonly timeoutMs: number
  readonly signal: AbortSignal
  readonly clock: Pick<Clock, 'setTimeout'>
}

export interface GammaFetchResult {
  readonly markets: GammaMarket[]
  /** Items of the response that did not parse, each with why (the rest are still used). */
  readonly unreadable: string[]
}

/** `{base}/markets?clob_token_ids=a&clob_token_ids=b&limit=n`: Gamma wants the key repeated, not comma-joined. */
export function gammaMarketsUrl(baseUrl: string, tokenIds: readonly string[]): string {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/markets`)
  for (const id of tokenIds) url.searchParams.append('clob_token_ids', id)
  url.searchParams.set('limit', String(tokenIds.length))
  return url.toString()
}

async function getJson(url: string, base: string, opts: FetchGammaOptions): Promise<unknown> {
  const timeout = new AbortController()
  const cancel = opts.clock.setTimeout(
    () => timeout.abort(new Error(`no answer within ${opts.timeoutMs} ms`)),
    opts.timeoutMs,
  )
  try {
    let res: Response
    try {
      res = await fetch(url, {
        signal: AbortSignal.any([opts.signal, timeout.signal]),
        headers: { accept: 'application/json' },
      })
    } catch (err) {
      const why = timeout.signal.aborted ? String(timeout.signal.reason) : (err as Error).message
      throw new Error(`Gamma ${base}/markets: cannot fetch: ${why.replace(/^Error: /, '')}`)
    }
    const text = await res.text()
    if (!res.ok) throw new Error(`Gamma ${base}/markets answered HTTP ${res.status}: ${text.slice(0, 200)}`)
    try {
      return JSON.parse(text)
    } catch {
      throw new Error(`Gamma ${base}/markets answered something that is not JSON: ${text.slice(0, 120)}`)
    }
  } finally {
    cancel()
  }
}

/**
 * The Gamma markets holding any of `tokenIds`, fetched in chunks. A failing request (network, timeout,
 * non-2xx, not a JSON list) throws: the universe plane keeps the current selection and tries again.
 */
export async function fetchGammaMarkets(
  baseUrl: string,
  tokenIds: readonly string[],
  opts: FetchGammaOptions,
): Promise<GammaFetchResult> {
  const ids = [...new Set(tokenIds)]
  const base = baseUrl.replace(/\/+$/, '')
  const markets: GammaMarket[] = []
  const unreadable: string[] = []
  const seen = new Set<string>()
  for (let i = 0; i < ids.length; i += opts.chunkSize) {
    const chunk = ids.slice(i, i + opts.chunkSize)
    const body = z.array(z.unknown()).safeParse(await getJson(gammaMarketsUrl(base, chunk), base, opts))
    if (!body.success) throw new Error(`Gamma ${base}/markets answered something that is not a list of markets`)
    for (const item of body.data) {
      const parsed = GammaMarketSchema.safeParse(item)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        const id = z.object({ conditionId: z.string() }).safeParse(item)
        unreadable.push(
          `${id.success ? id.data.conditionId : 'a market'}: ${issue?.path.join('.') || '(item)'}: ${issue?.message}`,
        )
        continue
      }
      // Both tokens of a market may sit in different chunks: keep the market once.
      if (seen.has(parsed.data.conditionId)) continue
      seen.add(parsed.data.conditionId)
      markets.push(parsed.data)
    }
  }
  return { markets, unreadable }
}
