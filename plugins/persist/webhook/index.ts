import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { createTokenNames } from '../../../pipeline/market-names.ts'
import { ownerOf } from '../../../pipeline/state-owner.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import { ALERT_KINDS, type Alert, type AlertKind, createAlertRules } from './alerts.ts'
import { deliver } from './deliver.ts'
import { createAlertQueue } from './queue.ts'

export const WebhookConfigSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .describe('Incoming-webhook URL (Slack, Discord, or anything taking JSON); secret: e.g. ${MM_WEBHOOK_URL}'),
  format: z
    .enum(['both', 'slack', 'discord'])
    .default('both')
    .describe('Body: {"text"} for Slack, {"content"} for Discord, both keys by default (each ignores the other)'),
  risk_changes: z.boolean().default(true).describe('Post every risk-state change (a HALT is always posted)'),
  disconnect_after: DurationSchema.default(30_000).describe(
    'Post when a connection (market data, user channel, heartbeat) stays down this long, and when it is back',
  ),
  fill_min_shares: z.number().positive().default(1000).describe('Post a fill of at least this many shares'),
  fill_min_usd: z.number().positive().default(500).describe('… or worth at least this many USD'),
  rate_limit: z.number().int().positive().default(10).describe('At most this many posts per rate_window'),
  rate_window: DurationSchema.default(60_000).describe('The window rate_limit counts posts in'),
  max_queue: z.number().int().positive().default(100).describe('Alerts waiting beyond this drop the oldest (counted)'),
  timeout: DurationSchema.default(5000).describe('One POST gives up after this long (then it is retried)'),
  retries: z.number().int().min(0).default(5).describe('Retries of a timed-out, failed or 5xx/429-answered POST'),
  retry_min: DurationSchema.default(1000).describe('First retry delay; doubles up to retry_max'),
  retry_max: DurationSchema.default(60_000).describe('Longest delay between retries'),
})
export type WebhookConfig = z.output<typeof WebhookConfigSchema>

/** Discord refuses content past 2,000 characters; Slack truncates long text itself. */
const MAX_TEXT = 1900

export function webhookBody(format: WebhookConfig['format'], text: string): Record<string, string> {
  const t = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text
  if (format === 'slack') return { text: t }
  if (format === 'discord') return { content: t }
  return { text: t, content: t }
}

export default definePlugin({
  name: 'webhook',
  stage: 'persist',
  summary:
    'Alerts to a Slack/Discord webhook: risk changes, halts, long disconnects, large fills; retried, rate-limited.',
  config: WebhookConfigSchema,
  secrets: ['url'],
  reloadable: ['risk_changes', 'disconnect_after', 'fill_min_shares', 'fill_min_usd', 'rate_limit', 'rate_window'],
  examples: [
    { title: 'Slack or Discord', with: { url: '${MM_WEBHOOK_URL}' } },
    { title: 'halts and big fills only', with: { url: '${MM_WEBHOOK_URL}', risk_changes: false, fill_min_usd: 1000 } },
  ],
  create(config, ctx) {
    let cfg = config
    const { clock, log } = ctx
    const owner = ownerOf(ctx.resources)
    const prefix =
      owner.mode === 'live'
        ? `[mm LIVE ${owner.account.slice(0, 10)}]`
        : owner.mode === 'test'
          ? '[mm dry run]'
          : '[mm paper]'
    const alerts = ctx.metrics.counter('alerts_total', 'Alerts raised for the webhook, by kind', ['kind'])
    const deliveries = ctx.metrics.counter('webhook_deliveries_total', 'Webhook posts by final outcome', ['outcome'])
    const retries = ctx.metrics.counter('webhook_retries_total', 'Webhook posts retried (timeout, network, 5xx, 429)')
    const dropped = ctx.metrics.counter('webhook_dropped_total', 'Alerts never posted, by reason', ['reason'])
    for (const kind of ALERT_KINDS) alerts.inc({ kind }, 0)
    for (const outcome of ['delivered', 'failed']) deliveries.inc({ outcome }, 0)
    retries.inc(0)
    for (const reason of ['queue_full', 'stopped']) dropped.inc({ reason }, 0)

    const rules = createAlertRules(createTokenNames())
    const abort = new AbortController()
    const queue = createAlertQueue({
      clock,
      limits: () => ({ maxQueue: cfg.max_queue, perWindow: cfg.rate_limit, windowMs: cfg.rate_window }),
      onDropped: (n) => dropped.inc({ reason: 'queue_full' }, n),
      signal: abort.signal,
      async send(batch, droppedBefore) {
        const lines = batch.map((a) => a.text)
        if (droppedBefore > 0) lines.push(`(${droppedBefore} earlier alerts dropped: too many at once)`)
        const text =
          lines.length === 1 ? `${prefix} ${lines[0]}` : `${prefix}\n${lines.map((l) => `• ${l}`).join('\n')}`
        const r = await deliver(
          cfg.url,
          webhookBody(cfg.format, text),
          { timeoutMs: cfg.timeout, retries: cfg.retries, retryMinMs: cfg.retry_min, retryMaxMs: cfg.retry_max },
          clock,
          abort.signal,
          (error) => {
            retries.inc()
            log.debug(`webhook post failed (${error}); retrying`)
          },
        )
        if (r.ok) deliveries.inc({ outcome: 'delivered' })
        else if (r.error === 'stopped') dropped.inc({ reason: 'stopped' }, batch.length)
        else {
          deliveries.inc({ outcome: 'failed' })
          // The URL is a secret: only its host is named.
          log.warn(`webhook post to ${new URL(cfg.url).host} failed after ${r.attempts} attempts: ${r.error}`)
        }
      },
    })

    function raise(a: Alert): void {
      alerts.inc({ kind: a.kind })
      queue.push(a)
    }

    // Disconnects: an alert once a component has been down for disconnect_after, and one when it is back.
    const downTimers = new Map<string, () => void>()
    const alerted = new Map<string, number>()
    const stopWatching = ctx.resources.health.onChange((name, up) => {
      const now = clock.now()
      if (!up) {
        if (downTimers.has(name)) return
        const since = now
        downTimers.set(
          name,
          clock.setTimeout(() => {
            downTimers.delete(name)
            const c = ctx.resources.health.components.get(name)
            if (!c || c.up) return
            alerted.set(name, since)
            raise(
              alertOf('disconnect', `${name} down for ${secs(clock.now() - since)}${c.reason ? `: ${c.reason}` : ''}`),
            )
          }, cfg.disconnect_after),
        )
        return
      }
      downTimers.get(name)?.()
      downTimers.delete(name)
      const since = alerted.get(name)
      if (since !== undefined) {
        alerted.delete(name)
        raise(alertOf('reconnect', `${name} back after ${secs(now - since)}`))
      }
    })

    function alertOf(kind: AlertKind, text: string): Alert {
      return { kind, text, at: clock.now() }
    }

    return {
      write(event) {
        // Never throws, never waits: quoting calls this on its path.
        const a = rules.fromEvent(event, {
          fillMinShares: cfg.fill_min_shares,
          fillMinUsd: cfg.fill_min_usd,
          risk: cfg.risk_changes,
        })
        if (a) raise(a)
      },
      flush: () => queue.idle(2000),
      async stop() {
        stopWatching()
        for (const cancel of downTimers.values()) cancel()
        downTimers.clear()
        // What is queued (a halt at shutdown) gets a short chance to go out; then the sender is aborted.
        await queue.idle(Math.min(cfg.timeout, 3000))
        abort.abort()
        await queue.stopped()
      },
      reconfigure(next) {
        if (next.url !== cfg.url || next.format !== cfg.format) return false
        cfg = next
        return true
      },
    }
  },
})

function secs(ms: number): string {
  return `${Math.round(ms / 1000)} s`
}
