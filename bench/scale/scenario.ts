// Scenario of N binary markets for the soak: the default scenario's markets repeated in turn (same tick, size,
// rewards and flow dynamics), each copy with its own slug, so its own condition id and tokens. The flow model is
// the simulator's, untouched; only the number of markets and the account's starting balance change.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { z } from 'zod'

const ROOT = join(import.meta.dir, '..', '..')
export const DEFAULT_SCENARIO = join(ROOT, 'sim', 'scenarios', 'default.yaml')

/** Only what the generator reads; every other field of the template is copied through as it is. */
const TemplateSchema = z.looseObject({
  markets: z.array(z.looseObject({ slug: z.string(), question: z.string() })).min(1),
})

export interface GeneratedScenario {
  readonly yaml: string
  readonly markets: number
  readonly balanceUsd: number
}

/**
 * `usdPerMarket` sets the paper account's balance (markets × usdPerMarket): the default gives 10,000 pUSD to 4
 * markets, and with that fixed a large scenario would be limited by cash, not by the daemon.
 */
export function generateScenario(markets: number, usdPerMarket: number, templatePath = DEFAULT_SCENARIO) {
  const template = TemplateSchema.parse(parse(readFileSync(templatePath, 'utf8')))
  const list = Array.from({ length: markets }, (_, i) => {
    const t = template.markets[i % template.markets.length]!
    return { ...t, slug: `${t.slug}-${i}`, question: `${t.question.replace(/\?$/, '')} (#${i})?` }
  })
  const balanceUsd = markets * usdPerMarket
  const doc = { ...template, name: `scale-${markets}`, seed: 1, initial_balance_usd: balanceUsd, markets: list }
  // Copies share nested objects; written out in full, since YAML aliases at this count trip the parser's limit.
  return { yaml: stringify(doc, { aliasDuplicateObjects: false }), markets, balanceUsd } satisfies GeneratedScenario
}
