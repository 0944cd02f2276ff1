import { describe, expect, test } from 'bun:test'
import { checkPluginConformance } from '../pipeline/conformance.ts'
import { builtins } from '../plugins/index.ts'

/** Samples for built-ins whose config has required fields. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  'source/file': { path: './markets.csv', watch: false },
  'source/sheets': { spreadsheet_url: 'https://docs.google.com/spreadsheets/d/abc', api_key: 'k' },
  'persist/postgres': { url: 'postgres://mm@127.0.0.1:5432/mm' },
  'persist/webhook': { url: 'http://127.0.0.1:9/hook' },
}

describe('every built-in conforms to the plugin contract', () => {
  for (const def of builtins) {
    test(`${def.stage}/${def.name}`, async () => {
      expect(await checkPluginConformance(def, SAMPLES[`${def.stage}/${def.name}`] ?? {})).toEqual([])
    })
  }

  test('names are unique within a stage', () => {
    const keys = builtins.map((d) => `${d.stage}/${d.name}`)
    expect(new Set(keys).size).toBe(keys.length)
  })
})

describe('the conformance check finds real problems', () => {
  test('a plugin without descriptions, in a bad stage, is reported', async () => {
    const { z } = await import('zod')
    const bad = {
      name: 'Bad_Name',
      stage: 'spread',
      summary: 'x',
      config: z.object({ k: z.number().default(1) }),
      reloadable: ['nope'],
      create: () => ({}),
    }
    const problems = await checkPluginConformance(bad)
    expect(problems).toEqual([
      'name "Bad_Name" is not kebab-case',
      'summary is missing or too short',
      'config field "k" has no .describe()',
      'reloadable "nope" is not a config field',
      'a spread handler needs run()',
      'declares reloadable fields but has no reconfigure()',
    ])
  })
})
