import { z } from 'zod'
import { definePlugin } from '../pipeline/define-plugin.ts'
import type { EventBus } from '../pipeline/event-bus.ts'
import type { MarketSpec } from '../sim/index.ts'

/**
 * The backtest's market list: exactly the scenario's (or the recording's) markets, YES/NO from the market
 * metadata, so any scenario runs without editing a market list. Rows go through the unchanged `gamma` enrich.
 */
/** `onEvents` receives the daemon's event bus when the plugin is built, before anything is quoted (the recorder). */
export function scenarioSource(markets: readonly MarketSpec[], onEvents?: (events: EventBus) => void) {
  return definePlugin({
    name: 'scenario-markets',
    stage: 'source',
    summary: 'The markets of the backtest scenario (lab only).',
    config: z.strictObject({}),
    create(_cfg, ctx) {
      onEvents?.(ctx.events)
      return {
        async run() {
          return {
            rows: markets.map((m) => ({
              token1: m.tokens[0],
              token2: m.tokens[1],
              condition_id: m.conditionId,
              origin: `scenario market ${m.slug}`,
            })),
            rejected: [],
          }
        },
      }
    },
  })
}
