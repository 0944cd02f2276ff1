import type { Clock } from '../../../pipeline/clock.ts'

/** One POST of a JSON body, with retries on what may pass (timeouts, network errors, 5xx, 429). */

export interface DeliveryPolicy {
  readonly timeoutMs: number
  readonly retries: number
  readonly retryMinMs: number
  readonly retryMaxMs: number
}

export type DeliveryOutcome =
  | { readonly ok: true; readonly attempts: number }
  | { readonly ok: false; readonly attempts: number; readonly error: string }

/** 4xx other than 408/429 means the request itself is wrong (bad URL, bad body): retrying cannot help. */
function retryable(status: number): boolean {
  return status >= 500 || status === 429 || status === 408
}

function retryAfterMs(res: Response): number | undefined {
  const v = res.headers.get('retry-after')
  if (!v) return undefined
  const s = Number(v)
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined
}

export async function deliver(
  url: string,
  body: unknown,
  policy: DeliveryPolicy,
  clock: Clock,
  signal: AbortSignal,
  onRetry: (error: string) => void,
): Promise<DeliveryOutcome> {
  let attempts = 0
  let delay = policy.retryMinMs
  for (;;) {
    attempts++
    let error: string
    let wait: number | undefined
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(policy.timeoutMs)]),
      })
      // The body is not needed; reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined)
      if (res.ok) return { ok: true, attempts }
      error = `HTTP ${res.status}`
      if (!retryable(res.status)) return { ok: false, attempts, error }
      wait = retryAfterMs(res)
    } catch (err) {
      if (signal.aborted) return { ok: false, attempts, error: 'stopped' }
      const name = (err as { name?: string }).name
      error = name === 'TimeoutError' ? `timed out after ${policy.timeoutMs} ms` : String((err as Error).message ?? err)
    }
    if (attempts > policy.retries) return { ok: false, attempts, error }
    onRetry(error)
    const ms = Math.min(policy.retryMaxMs, Math.max(wait ?? 0, delay))
    delay = Math.min(policy.retryMaxMs, delay * 2)
    try {
      await clock.sleep(ms, signal)
    } catch {
      return { ok: false, attempts, error: 'stopped' }
    }
  }
}
