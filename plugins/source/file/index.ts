import { basename, resolve } from 'node:path'
import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { SourceOutput } from '../../../stages/io.ts'
import { applyFilters, FILTER_FIELDS, FiltersSchema } from '../selection/filters.ts'
import { logRejected } from '../selection/report.ts'
import { formatFromPath, loadSelectionFile } from './load-selection-file.ts'
import { watchFile } from './watch-file.ts'

/** Editors write a file in several steps; one re-read after the burst is enough. */
const WATCH_DEBOUNCE_MS = 300

/**
 * The curated market list from a local CSV or YAML file with the "Selected Markets" columns. Bad rows are
 * reported as `file:line` and skipped; the rest are used. The file is re-read every `refresh` and, when
 * `watch` is on, soon after it changes.
 */
export default definePlugin({
  name: 'file',
  stage: 'source',
  summary: 'Markets from a local CSV or YAML file (Selected Markets columns), re-read on change and every refresh.',
  config: z.object({
    path: z.string().min(1).describe('CSV or YAML file, relative to the config file'),
    format: z
      .enum(['auto', 'csv', 'yaml'])
      .default('auto')
      .describe('File format; auto = by extension (.csv, .yaml, .yml)'),
    refresh: DurationSchema.prefault('15m').describe('How often the file is re-read'),
    watch: z.boolean().default(true).describe('Re-read soon after the file changes, without waiting for refresh'),
    ...FiltersSchema.shape,
  }),
  reloadable: ['refresh', ...FILTER_FIELDS],
  examples: [
    { title: 'the simulator markets', with: { path: './markets.csv' } },
    { title: 'YAML with thresholds', with: { path: './markets.yaml', min_liquidity: 10000, min_trend: 0.3 } },
  ],
  create(cfg, ctx) {
    const path = resolve(ctx.configDir, cfg.path)
    const format = cfg.format === 'auto' ? formatFromPath(path) : cfg.format
    if (format === undefined) {
      throw new Error(`file source: cannot tell the format of ${cfg.path} from its extension; set format: csv or yaml`)
    }
    const name = basename(path)
    let stopWatching: (() => void) | undefined
    const stop = () => {
      stopWatching?.()
      stopWatching = undefined
    }
    ctx.signal.addEventListener('abort', stop, { once: true })
    return {
      get refreshMs() {
        return cfg.refresh
      },
      start() {
        if (!cfg.watch || stopWatching) return
        stopWatching = watchFile(
          path,
          WATCH_DEBOUNCE_MS,
          ctx.clock,
          () => {
            ctx.log.info(`${name} changed; re-reading the market selection`)
            ctx.requestRefresh()
          },
          (err) => ctx.log.warn(`cannot watch ${name} (re-read every refresh only): ${err.message}`),
        )
      },
      stop,
      async run(): Promise<SourceOutput> {
        const out = applyFilters(await loadSelectionFile(path, format, name), cfg)
        logRejected(ctx.log, out.rejected)
        return out
      },
      reconfigure(next) {
        if (next.path !== cfg.path || next.format !== cfg.format || next.watch !== cfg.watch) return false
        cfg = next
        return true
      },
    }
  },
})
