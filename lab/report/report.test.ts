import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type JobResult, summarize, variantsOf } from '../jobs.ts'
import { runJob } from '../worker.ts'
import { launchChromium } from './browser.ts'
import { renderHtml } from './html.ts'

/**
 * The report renders in a real headless Chromium, offline: every chart draws a canvas with data, the page makes no
 * request beyond its own file, and two variants stand side by side.
 */

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('report.html', () => {
  test('two variants on jumpy: PnL, inventory, fair/mid/quotes/fills per market and markouts, all with data', async () => {
    const config = join(import.meta.dir, '..', '..', 'mm.config.yaml')
    const variants = variantsOf([config], [{ path: 'pipeline.spread.with.k_vol', values: [1.5, 3] }])
    const results: JobResult[] = []
    for (const [i, variant] of variants.entries())
      results.push(
        await runJob({
          id: i,
          variant,
          scenario: 'jumpy',
          replay: undefined,
          seed: 1,
          durationMs: 5 * 60_000,
          keepSeries: true,
        }),
      )
    const dir = mkdtempSync(join(tmpdir(), 'mm-report-'))
    dirs.push(dir)
    const file = join(dir, 'report.html')
    writeFileSync(file, renderHtml(summarize(results), results))

    const browser = await launchChromium()
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
      const requests: string[] = []
      const errors: string[] = []
      page.on('request', (r) => requests.push(r.url()))
      page.on('pageerror', (e) => errors.push(e.message))
      await page.goto(`file://${file}`)
      await page.waitForFunction('window.mmReady === true', null, { timeout: 15_000 })
      const charts = (await page.evaluate('window.mmCharts')) as {
        id: string
        title: string
        points: number
        nonzero: number
        canvas: boolean
      }[]
      expect(errors).toEqual([])
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([])
      // Per variant: PnL, inventory, one chart per market (jumpy has 2), markouts.
      expect(charts).toHaveLength(2 * (3 + 2))
      for (const c of charts) {
        expect(c.canvas).toBe(true)
        expect(c.points).toBeGreaterThan(10)
      }
      // Fills happened and were marked out: the histograms hold counts, not only empty bins.
      expect(charts.filter((c) => c.title.startsWith('Markout')).every((c) => c.nonzero > 0)).toBe(true)
      const cards = await page.locator('.card').count()
      expect(cards).toBe(2)
      const drawn = await page.evaluate(
        "[...document.querySelectorAll('canvas')].every((c) => c.width > 100 && c.height > 50)",
      )
      expect(drawn).toBe(true)
    } finally {
      await browser.close()
    }
  }, 120_000)
})
