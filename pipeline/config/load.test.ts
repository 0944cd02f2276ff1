import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { testBuiltins, testConfigYaml } from '../../tests/fixtures/test-plugins.ts'
import { definePlugin } from '../define-plugin.ts'
import { formatIssues } from './errors.ts'
import { type LoadResult, loadConfig, loadConfigText, redactConfig } from './load.ts'

// A stand-in for the built-in vol-spread: the env overrides apply by plugin name.
const volSpread = definePlugin({
  name: 'vol-spread',
  stage: 'spread',
  summary: 'test double of the name',
  config: z.object({
    k_vol: z.number().positive().default(2),
    window: z.union([z.string(), z.number()]).default('600s'),
  }),
  create: (cfg) => ({ run: () => ({ halfSpread: cfg.k_vol / 100, sigma: 0 }) }),
})
// A source with a secret option, as the sheets source has its api_key.
const keyedSource = definePlugin({
  name: 'keyed-source',
  stage: 'source',
  summary: 'test source with a secret',
  config: z.object({ api_key: z.string().describe('secret') }),
  secrets: ['api_key'],
  create: () => ({ run: async () => ({ rows: [], rejected: [] }) }),
})
const builtins = [...testBuiltins, volSpread, keyedSource]
const FILE = join(import.meta.dir, 'virtual.yaml')

async function load(text: string, env: Record<string, string> = {}): Promise<LoadResult> {
  return loadConfigText(text, FILE, { builtins, env })
}

function issuesOf(res: LoadResult) {
  if (res.ok) throw new Error('expected errors')
  return res.issues
}

describe('loadConfig', () => {
  test('a valid config resolves every stage with validated, defaulted plugin config', async () => {
    const res = await load(testConfigYaml('p'))
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    expect(res.loaded.stages.spread[0]?.def.name).toBe('test-spread')
    expect(res.loaded.stages.spread[0]?.config).toEqual({ half: 0.02, fail_start: false })
    expect(res.loaded.stages.risk[0]?.instance).toBe('risk.0')
    expect(res.loaded.config.capital_usd).toBe(10_000)
    expect(res.loaded.hash).toMatch(/^[0-9a-f]{16}$/)
  })

  test('three different mistakes are all reported, each with its path and line', async () => {
    const text = testConfigYaml('p')
      .replace('capital_usd', 'x')
      .replace('mode: paper', 'mode: paper\ncapital_usd: -5')
      .replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: "wide" } }')
      .replace('skew: { use: test-skew }', 'skew: { use: no-such-skew }')
    const issues = issuesOf(await load(text))
    expect(issues).toHaveLength(3)
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]))
    expect(byPath.capital_usd?.line).toBe(2)
    expect(byPath['pipeline.spread.with.half']?.line).toBe(9)
    expect(byPath['pipeline.skew.use']?.message).toContain('unknown skew plugin "no-such-skew"')
    expect(byPath['pipeline.skew.use']?.line).toBe(10)
  })

  test('an unknown top-level key is reported by name', async () => {
    const issues = issuesOf(await load(`${testConfigYaml('p')}\nfoo_bar: 1\n`))
    expect(issues.map((i) => i.message)).toContain('unknown key "foo_bar"')
    expect(issues.find((i) => i.path === 'foo_bar')?.line).toBeGreaterThan(10)
  })

  test('an unknown plugin option is an error at its line', async () => {
    const text = testConfigYaml('p').replace(
      'spread: { use: test-spread }',
      'spread:\n    use: test-spread\n    with:\n      hlaf: 0.1',
    )
    const issues = issuesOf(await load(text))
    expect(issues).toEqual([{ path: 'pipeline.spread.with.hlaf', line: 11, message: 'unknown key "hlaf"' }])
  })

  test('YAML syntax errors are reported with a line, not a stack trace', async () => {
    const issues = issuesOf(await load('mode: paper\npipeline:\n  source: [ { use: x }\n'))
    expect(issues[0]?.message).toStartWith('YAML syntax:')
    expect(issues[0]?.line).toBeGreaterThan(0)
  })

  test('an unreadable file is one clear error', async () => {
    const res = await loadConfig('/nonexistent/mm.yaml', { builtins })
    expect(issuesOf(res)[0]?.message).toBe('cannot read config: file not found')
  })
})

describe('interpolation', () => {
  test('${VAR} and ${VAR:-default} are replaced and keep their YAML type', async () => {
    const text = testConfigYaml('p').replace(
      'mode: paper',
      'mode: paper\ncapital_usd: ${CAP}\nlog: { level: "${LVL:-warn}" }',
    )
    const res = await load(text, { CAP: '2500' })
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    expect(res.loaded.config.capital_usd).toBe(2500)
    expect(res.loaded.config.log.level).toBe('warn')
  })

  test('a missing variable without a default is an error at its line', async () => {
    const text = testConfigYaml('p').replace('mode: paper', 'mode: paper\ncapital_usd: ${NOPE_CAP}')
    const issues = issuesOf(await load(text))
    expect(issues[0]).toMatchObject({ line: 2, path: 'capital_usd' })
    expect(issues[0]?.message).toContain('NOPE_CAP is not set')
  })

  test('$$ is a literal dollar', async () => {
    const text = testConfigYaml('p').replace('probe: p }', 'probe: "a$$b" }')
    const res = await load(text)
    expect(res.ok && res.loaded.stages.source[0]?.config).toEqual({ probe: 'a$b' })
  })
})

describe('environment overrides of the original settings', () => {
  const withVol = testConfigYaml('p').replace(
    'spread: { use: test-spread }',
    'spread: { use: vol-spread, with: { k_vol: 2.0 } }',
  )

  test('K_VOL overrides the vol-spread field; EWMA_VOL_WINDOW_SEC becomes seconds', async () => {
    const res = await load(withVol, { K_VOL: '3.5', EWMA_VOL_WINDOW_SEC: '300' })
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    expect(res.loaded.stages.spread[0]?.config).toEqual({ k_vol: 3.5, window: '300s' })
  })

  test('a bad override names the variable it came from', async () => {
    const issues = issuesOf(await load(withVol, { K_VOL: 'fast' }))
    expect(issues[0]).toMatchObject({ path: 'pipeline.spread.with.k_vol', origin: 'env K_VOL' })
  })

  test('an override never reaches a plugin that does not own the field', async () => {
    const res = await load(testConfigYaml('p'), { K_VOL: '3.5' })
    expect(res.ok && res.loaded.stages.spread[0]?.config).toEqual({ half: 0.02, fail_start: false })
  })

  test('PK and BROWSER_ADDRESS fill the polymarket exchange; the key is redacted when shown', async () => {
    const text = testConfigYaml('p')
      .replace('mode: paper', 'mode: live')
      .concat('exchange: { use: polymarket, with: {} }\n')
    const pk = `0x${'11'.repeat(32)}`
    const res = await load(text, { PK: pk, BROWSER_ADDRESS: `0x${'22'.repeat(20)}` })
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    const ex = res.loaded.config.exchange
    expect(ex.use === 'polymarket' && ex.with.private_key).toBe(pk)
    expect(JSON.stringify(redactConfig(res.loaded.config))).not.toContain('1111111111')
  })

  test('a secret written in the file is refused', async () => {
    const text = testConfigYaml('p')
      .replace('mode: paper', 'mode: live')
      .concat(`exchange: { use: polymarket, with: { private_key: "0x${'11'.repeat(32)}" } }\n`)
    const issues = issuesOf(await load(text))
    expect(issues[0]?.path).toBe('exchange.with.private_key')
    expect(issues[0]?.message).toContain('must come from the environment')
  })

  test("a plugin's declared secret is refused as a literal and redacted when shown, even if all digits", async () => {
    const keyed = testConfigYaml('p').replace(
      'source: [ { use: test-source, with: { probe: p } } ]',
      'source: [ { use: test-source, with: { probe: p } }, { use: keyed-source, with: { api_key: "${GKEY}" } } ]',
    )
    const res = await load(keyed, { GKEY: '12345678901234567890' })
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    expect(res.loaded.stages.source[1]?.config).toEqual({ api_key: '12345678901234567890' })
    const shown = JSON.stringify(redactConfig(res.loaded.config, res.loaded.secretPaths))
    expect(shown).not.toContain('1234567890')
    expect(shown).toContain('"api_key":"***"')
    const literal = issuesOf(await load(keyed.replace('"${GKEY}"', 'abc')))
    expect(literal[0]).toMatchObject({ path: 'pipeline.source.1.with.api_key', line: 4 })
    expect(literal[0]?.message).toContain('must come from the environment')
  })

  test('paper mode against Polymarket is refused', async () => {
    const text = testConfigYaml('p').concat('exchange: { use: polymarket, with: { private_key: "${PK}" } }\n')
    const issues = issuesOf(await load(text, { PK: `0x${'11'.repeat(32)}` }))
    expect(issues[0]?.path).toBe('mode')
  })
})

describe('plugin resolution', () => {
  test('a local file plugin is loaded relative to the YAML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-cfg-'))
    const file = join(dir, 'mm.yaml')
    const rel = join(import.meta.dir, '../../tests/fixtures/user-fair-value.ts')
    writeFileSync(
      file,
      testConfigYaml('p').replace(
        'fair-value: { use: test-fair, with: { probe: p } }',
        `fair-value: { use: ${rel}, with: { value: 0.3 } }`,
      ),
    )
    const res = await loadConfig(file, { builtins })
    if (!res.ok) throw new Error(formatIssues('x', res.issues))
    expect(res.loaded.stages['fair-value'][0]?.def.name).toBe('user-fair')
    expect(res.loaded.stages['fair-value'][0]?.config).toEqual({ value: 0.3 })
    expect(res.loaded.stages['fair-value'][0]?.file?.path).toBe(rel)
  })

  test('a file plugin in the wrong stage is a config error', async () => {
    const text = testConfigYaml('p').replace(
      'spread: { use: test-spread }',
      'spread: { use: ../../tests/fixtures/user-fair-value.ts }',
    )
    const issues = issuesOf(await load(text))
    expect(issues[0]?.message).toContain('is a fair-value plugin ("user-fair"); it cannot be used in spread')
  })

  test('a built-in in the wrong stage is a config error', async () => {
    const text = testConfigYaml('p').replace('spread: { use: test-spread }', 'spread: { use: test-skew }')
    expect(issuesOf(await load(text))[0]?.message).toBe('"test-skew" is a skew plugin; it cannot be used in spread')
  })

  test('a missing plugin file is named', async () => {
    const text = testConfigYaml('p').replace('spread: { use: test-spread }', 'spread: { use: ./nope.ts }')
    expect(issuesOf(await load(text))[0]?.message).toContain('plugin file not found')
  })

  test('a single-plugin stage refuses a list', async () => {
    const text = testConfigYaml('p').replace('spread: { use: test-spread }', 'spread: [ { use: test-spread } ]')
    expect(issuesOf(await load(text))[0]?.path).toBe('pipeline.spread')
  })
})
