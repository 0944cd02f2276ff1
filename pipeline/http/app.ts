import { timingSafeEqual } from 'node:crypto'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { z } from 'zod'
import { builtins } from '../../plugins/index.ts'
import { formatIssue } from '../config/errors.ts'
import { redactConfig } from '../config/load.ts'
import type { Daemon } from '../daemon.ts'
import type { AnyPlugin } from '../define-plugin.ts'
import { mountControlRoutes, resetRisk } from './control-routes.ts'
import { mountDashboard } from './dashboard-assets.ts'
import { buildStatus } from './status.ts'

const MAX_RELOAD_BODY = 256 * 1024

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '')
  if (!m?.[1]) return false
  const a = Buffer.from(m[1])
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function pluginSchema(def: AnyPlugin): unknown {
  try {
    return z.toJSONSchema(def.config, { io: 'input', unrepresentable: 'any' })
  } catch {
    return {}
  }
}

/** The control and observation API: dashboard, Prometheus scrape target, status, config, plugins, controls, hot reload. */
export function createApp(daemon: Daemon, opts: { token: string | undefined; plugins?: readonly AnyPlugin[] }) {
  const app = new Hono()
  const plugins = opts.plugins ?? builtins

  mountDashboard(app, daemon)
  app.get('/metrics', async (c) => {
    c.header('Content-Type', daemon.registry.contentType)
    return c.body(await daemon.registry.metrics())
  })
  app.get('/healthz', (c) => c.json({ ok: true, uptime_s: Math.round((daemon.clock.now() - daemon.startedAt) / 1000) }))
  app.get('/readyz', (c) => {
    const reasons: string[] = []
    for (const [name, comp] of daemon.health.components) if (!comp.up) reasons.push(`${name} down: ${comp.reason}`)
    const books = [...daemon.current().book.handler.books()]
    for (const b of books) if (b.state !== 'fresh') reasons.push(`book ${b.tokenId} ${b.state}`)
    if (daemon.universe.markets().length === 0) reasons.push('no markets selected')
    return c.json({ ready: reasons.length === 0, reasons }, reasons.length === 0 ? 200 : 503)
  })
  app.get('/status', (c) => c.json(buildStatus(daemon)))
  app.get('/config', (c) => {
    const p = daemon.current()
    return c.json({
      generation: p.generation,
      hash: p.loaded.hash,
      file: p.loaded.file,
      config: redactConfig(p.loaded.config, p.loaded.secretPaths),
    })
  })
  app.get('/plugins', (c) =>
    c.json(
      plugins.map((d) => ({
        name: d.name,
        stage: d.stage,
        summary: d.summary,
        reloadable: d.reloadable ?? [],
        schema: pluginSchema(d),
      })),
    ),
  )

  // Every POST changes what the daemon does: a bearer token from the environment is required.
  app.post('*', async (c, next) => {
    if (!opts.token) return c.json({ error: 'POST routes are disabled: set server.token (e.g. ${MM_API_TOKEN})' }, 403)
    if (!tokenMatches(c.req.header('Authorization'), opts.token)) return c.json({ error: 'unauthorized' }, 401)
    await next()
  })

  app.post('/risk/reset', (c) => {
    const reset = resetRisk(daemon, c.req.query('reason') ?? 'reset over HTTP')
    if (!reset) return c.json({ error: 'no risk plugin in this pipeline can be reset' }, 404)
    return c.json({ reset })
  })
  mountControlRoutes(app, daemon)

  app.post(
    '/config/reload',
    bodyLimit({
      maxSize: MAX_RELOAD_BODY,
      onError: (c) => c.json({ error: `body over ${MAX_RELOAD_BODY} bytes` }, 413),
    }),
    async (c) => {
      const text = await c.req.text()
      // An empty body re-reads the config file; a body is the whole new config as YAML or JSON (JSON is YAML).
      const res = await daemon.reload(text.trim() === '' ? undefined : { text })
      const body = {
        outcome: res.outcome,
        generation: res.generation,
        changes: res.changes,
        errors: [...res.errors, ...res.issues.map((i) => formatIssue('config', i))],
      }
      const status = res.outcome === 'rejected' ? 400 : res.outcome === 'rolled_back' ? 500 : 200
      return c.json(body, status)
    },
  )
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404))
  app.onError((err, c) => c.json({ error: err.message }, 500))
  return app
}
