import type { SQL } from 'bun'
import type { AccountShare } from '../../../stages/account-share.ts'
import type { Owner } from './store.ts'

/**
 * What instances that trade one account share through PostgreSQL, so that together they stay within limits meant
 * for the account (issue: several daemons per signer must not overspend its token buckets, nor each stop at its
 * own share of the daily loss):
 *
 * - the exchange's per-signer token buckets, kept in one row per (signer, bucket) and reserved in a single UPDATE
 *   (the row lock serialises instances; refill computed from the database's clock, so hosts' clocks do not matter);
 * - each instance's daily PnL and exposure, published every few seconds and summed by the others.
 */

export function createAccountShare(sql: SQL, owner: Owner): AccountShare {
  return {
    async reserve(spec, cost) {
      if (cost > spec.burst) return Number.POSITIVE_INFINITY // can never be admitted: the caller must split it
      const signer = spec.signer.toLowerCase()
      await sql`
        INSERT INTO signer_buckets (signer, bucket, tokens, updated_ms)
        VALUES (${signer}, ${spec.bucket}, ${spec.burst}, (extract(epoch from clock_timestamp()) * 1000)::bigint)
        ON CONFLICT (signer, bucket) DO NOTHING`
      // One statement: refill to now, then take the tokens only if they are all there (all or nothing, §7.2).
      const rows = await sql`
        WITH cur AS (
          SELECT LEAST(${spec.burst}::float8,
                   tokens + ((extract(epoch from clock_timestamp()) * 1000)::bigint - updated_ms)
                     * ${spec.ratePerSec}::float8 / 1000) AS t,
                 (extract(epoch from clock_timestamp()) * 1000)::bigint AS now_ms
          FROM signer_buckets WHERE signer = ${signer} AND bucket = ${spec.bucket} FOR UPDATE)
        UPDATE signer_buckets b SET
          tokens = CASE WHEN cur.t >= ${cost}::float8 THEN cur.t - ${cost}::float8 ELSE cur.t END,
          updated_ms = cur.now_ms
        FROM cur WHERE b.signer = ${signer} AND b.bucket = ${spec.bucket}
        RETURNING cur.t AS before`
      const before = Number((rows[0] as { before: number } | undefined)?.before ?? 0)
      if (before >= cost) return 0
      return Math.ceil(((cost - before) / spec.ratePerSec) * 1000)
    },
    async observe(spec, remaining) {
      const signer = spec.signer.toLowerCase()
      await sql`
        UPDATE signer_buckets SET
          tokens = LEAST(${remaining}::float8, ${spec.burst}::float8,
            tokens + ((extract(epoch from clock_timestamp()) * 1000)::bigint - updated_ms) * ${spec.ratePerSec}::float8 / 1000),
          updated_ms = (extract(epoch from clock_timestamp()) * 1000)::bigint
        WHERE signer = ${signer} AND bucket = ${spec.bucket}`
    },
    async publish(r) {
      await sql`
        INSERT INTO instance_risk (account, mode, instance, day, pnl_usd, exposure_usd, halted, updated_at)
        VALUES (${owner.account}, ${owner.mode}, ${owner.instance}, ${r.day}, ${r.pnlUsd}, ${r.exposureUsd}, ${r.halted},
          (extract(epoch from clock_timestamp()) * 1000)::bigint)
        ON CONFLICT (account, mode, instance) DO UPDATE SET day = excluded.day, pnl_usd = excluded.pnl_usd,
          exposure_usd = excluded.exposure_usd, halted = excluded.halted, updated_at = excluded.updated_at`
    },
    async peers(day) {
      const rows = (await sql`
        SELECT instance, pnl_usd, exposure_usd, halted,
          (extract(epoch from clock_timestamp()) * 1000)::bigint - updated_at AS age
        FROM instance_risk
        WHERE account = ${owner.account} AND mode = ${owner.mode} AND instance <> ${owner.instance} AND day = ${day}`) as {
        instance: string
        pnl_usd: number
        exposure_usd: number
        halted: boolean
        age: string | number
      }[]
      return {
        instances: rows.map((r) => r.instance),
        pnlUsd: rows.reduce((s, r) => s + Number(r.pnl_usd), 0),
        exposureUsd: rows.reduce((s, r) => s + Number(r.exposure_usd), 0),
        halted: rows.filter((r) => r.halted).map((r) => r.instance),
        oldestMs: rows.reduce((m, r) => Math.max(m, Number(r.age)), 0),
      }
    },
  }
}
