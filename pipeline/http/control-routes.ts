import type { Hono } from 'hono'
import { z } from 'zod'
import type { Market } from '../../schemas/domain.ts'
import type { Daemon } from '../daemon.ts'

/**
 * The operator's controls, as POST routes behind the bearer token (the app's POST guard): pause and resume one
 * market or all quoting, halt, lift a daily-loss halt. A pause or halt cancels the orders before it answers;
 * the quote plane keeps the market pulled until it is resumed.
 */

const ControlBodySchema = z
  .object({
    market: z.string().min(1).max(200).optional().describe('condition id; absent = every market'),
    reason: z.string().max(200).optional(),
  })
  .strict()

type ControlBody = z.infer<typeof ControlBodySchema>

async function readBody(req: Request): Promise<{ ok: true; body: ControlBody } | { ok: false; error: string }> {
  const text = await req.text()
  if (text.trim() === '') return { ok: true, body: {} }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, error: 'the body is not JSON: send {"market": "<condition id>"} or nothing' }
  }
  const parsed = ControlBodySchema.safeParse(raw)
  if (!parsed.success) return { ok: false, error: `bad body: ${parsed.error.issues.map((i) => i.message).join('; ')}` }
  return { ok: true, body: parsed.data }
}

/** Lifts a daily-loss halt on every risk plugin that can (POST /risk/reset and the dashboard). */
export function resetRisk(daemon: Daemon, reason: string) {
  const resettable = daemon.current().risk.filter((r) => typeof (r.handler as { reset?: unknown }).reset === 'function')
  if (resettable.length === 0) return undefined
  const reset = resettable.map((r) => ({
    instance: r.entry.instance,
    plugin: r.entry.def.name,
    result: (r.handler as unknown as { reset(why: string): unknown }).reset(reason),
  }))
  daemon.quotes.markAllDirty()
  return reset
}

/** Cancels the markets' orders now, for the hold's reason; returns how many orders are still tracked. */
async function cancelOrders(daemon: Daemon, markets: readonly Market[]): Promise<number> {
  const execute = daemon.current().execute.handler
  await Promise.all(markets.map((m) => execute.pull(m, daemon.holds.reasonFor(m.conditionId) ?? 'operator')))
  return markets.reduce((n, m) => n + execute.liveOrders(m.conditionId).length, 0)
}

export function mountControlRoutes(app: Hono, daemon: Daemon): void {
  const find = (id: string) => daemon.universe.markets().find((m) => m.conditionId === id)
  const unknown = (id: string) => ({ error: `no market ${id} in the selection` })

  app.post('/control/pause', async (c) => {
    const r = await readBody(c.req.raw)
    if (!r.ok) return c.json({ error: r.error }, 400)
    const id = r.body.market
    const market = id === undefined ? undefined : find(id)
    if (id !== undefined && !market) return c.json(unknown(id), 404)
    daemon.holds.pause(id)
    const markets = market ? [market] : daemon.universe.markets()
    const left = await cancelOrders(daemon, markets)
    for (const m of markets) daemon.quotes.markDirty(m.conditionId)
    return c.json({ paused: id ?? 'all', orders_left: left, holds: daemon.holds.state() })
  })

  app.post('/control/resume', async (c) => {
    const r = await readBody(c.req.raw)
    if (!r.ok) return c.json({ error: r.error }, 400)
    const id = r.body.market
    if (id !== undefined && !find(id)) return c.json(unknown(id), 404)
    daemon.holds.resume(id)
    if (id === undefined) daemon.quotes.markAllDirty()
    else daemon.quotes.markDirty(id)
    return c.json({ resumed: id ?? 'all', holds: daemon.holds.state() })
  })

  app.post('/control/halt', async (c) => {
    const r = await readBody(c.req.raw)
    if (!r.ok) return c.json({ error: r.error }, 400)
    if (r.body.market !== undefined) return c.json({ error: 'halt stops every market; to stop one, pause it' }, 400)
    daemon.holds.halt(r.body.reason ?? 'halt from the dashboard')
    const left = await cancelOrders(daemon, daemon.universe.markets())
    daemon.quotes.markAllDirty()
    return c.json({ halted: true, orders_left: left, holds: daemon.holds.state() })
  })

  app.post('/control/lift-loss-halt', async (c) => {
    const r = await readBody(c.req.raw)
    if (!r.ok) return c.json({ error: r.error }, 400)
    const reset = resetRisk(daemon, r.body.reason ?? 'lifted from the dashboard')
    if (!reset) return c.json({ error: 'no risk plugin in this pipeline can be reset' }, 404)
    return c.json({ reset })
  })
}
