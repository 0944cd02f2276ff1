import { join } from 'node:path'
import type { Hono } from 'hono'
import type { Daemon } from '../daemon.ts'
import { createLiveFeed, type LiveFeed } from './live-feed.ts'

/**
 * The live dashboard at `/`: a static page, its script and style from pipeline/http/dashboard/, the uPlot chart
 * library from node_modules (no build step, nothing from the network), and its event stream at `/events`.
 */

const DIR = join(import.meta.dir, 'dashboard')
const resolveModule = (path: string) => Bun.resolveSync(path, import.meta.dir)

const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: join(DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: join(DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/chart.js': { file: join(DIR, 'chart.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/controls.js': { file: join(DIR, 'controls.js'), type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: join(DIR, 'style.css'), type: 'text/css; charset=utf-8' },
  '/dashboard/uplot.js': {
    file: resolveModule('uplot/dist/uPlot.iife.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
  '/dashboard/uplot.css': { file: resolveModule('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
}

export function mountDashboard(app: Hono, daemon: Daemon): void {
  for (const [path, asset] of Object.entries(ASSETS)) {
    app.get(
      path,
      () =>
        new Response(Bun.file(asset.file), { headers: { 'Content-Type': asset.type, 'Cache-Control': 'no-cache' } }),
    )
  }
  app.get('/favicon.ico', () => new Response(null, { status: 204 }))
  let feed: LiveFeed | undefined
  app.get('/events', (c) => {
    feed ??= createLiveFeed(daemon)
    return feed.connect(c.req.raw.signal)
  })
}
