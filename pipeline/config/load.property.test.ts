import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { testBuiltins, testConfigYaml } from '../../tests/fixtures/test-plugins.ts'
import { formatIssues } from './errors.ts'
import { loadConfigText, redactConfig } from './load.ts'

/**
 * Property: any config text (random, or a valid config with a value replaced, a key added or removed, a
 * ${SECRET} dropped anywhere) loads or ends in issues that each name a path and say what is wrong, without an
 * exception and without ever showing a secret from the environment (issues, redacted config).
 */
const RUNS = 300
const SECRET_TOKEN = 'tok-SECRET-9f8e7d6c5b4a39281706'
const SECRET_PK = `0x${'5e'.repeat(32)}`
const ENV = { MM_API_TOKEN: SECRET_TOKEN, PK: SECRET_PK, LABEL: 'plain' }
const FILE = `${import.meta.dir}/property.yaml`

const BASE = testConfigYaml('prop')
const baseLines = BASE.split('\n')
const scalar = fc.oneof(
  fc.constantFrom(
    '${PK}',
    '${MM_API_TOKEN}',
    'x-${MM_API_TOKEN}',
    '${LABEL}',
    '${NOPE}',
    '${PK:-d}',
    '$$',
    '&a [*a]',
    '*b',
    '!!js/function x',
    '~',
    '[',
    '{',
  ),
  fc.string({ maxLength: 12 }),
  fc.integer().map(String),
  fc.double().map(String),
)
const mutatedBase = fc
  .tuple(fc.nat(baseLines.length - 1), fc.constantFrom('replace', 'insert', 'delete', 'value'), scalar)
  .map(([i, op, v]) => {
    const lines = [...baseLines]
    const line = lines[i] ?? ''
    if (op === 'delete') lines.splice(i, 1)
    else if (op === 'insert') lines.splice(i, 0, `${line.match(/^\s*/)?.[0] ?? ''}extra_${v}: ${v}`)
    else if (op === 'replace') lines[i] = v
    else lines[i] = line.replace(/:\s*[^{}[\],]+$/, `: ${v}`).replace(/probe: \w+/, `probe: ${v}`)
    return lines.join('\n')
  })
const randomDoc = fc.oneof(
  fc.jsonValue().map((v) => stringify(v)),
  fc
    .dictionary(
      fc.constantFrom('mode', 'exchange', 'server', 'pipeline', 'log', 'universe', 'capital_usd', 'x'),
      fc.jsonValue(),
    )
    .map((v) => stringify(v)),
  fc.string({ maxLength: 200 }),
)

test(`config loader: ${RUNS * 2} random and mutated configs load or end in located issues, never leaking a secret`, async () => {
  let tried = 0
  let loaded = 0
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutatedBase, mutatedBase, randomDoc), async (text) => {
      tried++
      const res = await loadConfigText(text, FILE, { builtins: testBuiltins, env: ENV })
      let shown: string
      if (res.ok) {
        loaded++
        shown = JSON.stringify(redactConfig(res.loaded.config, res.loaded.secretPaths))
        shown += JSON.stringify(
          res.loaded.stages.source.map((e) =>
            redactConfig(
              e.config,
              (e.def.secrets ?? []).map((k) => [k]),
            ),
          ),
        )
      } else {
        expect(res.issues.length).toBeGreaterThan(0)
        for (const i of res.issues) {
          expect(typeof i.path).toBe('string')
          expect(i.message.length).toBeGreaterThan(0)
        }
        shown = formatIssues(FILE, res.issues)
      }
      expect(shown).not.toContain(SECRET_TOKEN)
      expect(shown).not.toContain('5e5e5e5e')
    }),
    { numRuns: RUNS * 2, seed: 42 },
  )
  expect(loaded).toBeGreaterThan(0)
  console.log(`config loader: ${tried} configs tried, ${loaded} loaded, ${tried - loaded} refused with located issues`)
}, 60_000)
