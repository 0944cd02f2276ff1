import type { AccountShare } from '../../../stages/account-share.ts'
import type { BucketName, OrderBudget } from './rate-budget.ts'

/**
 * Hands the exchange's `Poly-RateLimit-Remaining` (§7.2) of every trading answer to the local budget and, when
 * instances share the signer's buckets, to the shared row too, so the shared estimate never runs above the exchange's
 * own count. A failed write is dropped: the reservation path says when the shared budget is unreachable.
 */
export function withSharedHeaders(
  budget: OrderBudget,
  share: () => AccountShare | undefined,
  signer: string,
): Pick<OrderBudget, 'onHeaders'> {
  return {
    onHeaders(bucket: BucketName, headers: Headers) {
      budget.onHeaders(bucket, headers)
      const s = share()
      const raw = headers.get('poly-ratelimit-remaining')
      if (!s || raw === null || raw.trim() === '') return
      const remaining = Number(raw)
      if (!Number.isFinite(remaining)) return // the local budget names malformed headers
      const limit = budget.tier()[bucket]
      void s
        .observe({ signer, bucket, ratePerSec: limit.perSec * budget.safety(), burst: limit.burst }, remaining)
        .catch(() => undefined)
    },
  }
}
