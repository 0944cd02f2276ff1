import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../pipeline/clock.ts'
import { ENV_OVERRIDES } from '../pipeline/config/env-overrides.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { isSecretVariableName } from '../pipeline/config/secret-vars.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createApp } from '../pipeline/http/app.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { SECRET_PATHS } from '../schemas/config.ts'
import { nullExchange } from './fixtures/null-exchange.ts'
import { probe, probes, testBuiltins, testConfigYaml } from './fixtures/test-plugins.ts'

/**
 * Environment expansion never puts a secret into a field that is not declared secret: not from a file, not from
 * a reload body. Otherwise `${MM_API_TOKEN}` in a label is applied and read back through GET /config and the log.
 */
const FILE = `${import.meta.dir}/secret-expansion.yaml`
const TOKEN = 'tok-0123456789abcdef-secret'
const KEY = `0x${'ab'.repeat(32)}`
const running: Daemon[] = []

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop('test end')
  probes.clear()
})

const load = (text: string, env: Record<string, string>) => loadConfigText(text, FILE, { builtins: testBuiltins, env })

describe('secret variables', () => {
  test('the naming rule: PK and *_KEY, *_SECRET, *_PASSPHRASE, *_TOKEN, *_PASSWORD', () => {
    for (const n of ['PK', 'MM_API_TOKEN', 'POLY_API_KEY', 'CLOB_SECRET', 'CLOB_PASSPHRASE', 'DB_PASSWORD'])
      expect(isSecretVariableName(n)).toBe(true)
    for (const n of ['SPREADSHEET_URL', 'BROWSER_ADDRESS', 'GOOGLE_APPLICATION_CREDENTIALS', 'PKG', 'K_VOL'])
      expect(isSecretVariableName(n)).toBe(false)
  })

  test('the original environment overrides put a secret variable only into a secret field', () => {
    const secretFields = new Set(SECRET_PATHS.map((p) => p.join('.')))
    for (const o of ENV_OVERRIDES.filter((x) => isSecretVariableName(x.env))) {
      expect(o.target.kind).toBe('exchange')
      if (o.target.kind === 'exchange') expect(secretFields.has(`exchange.with.${o.target.key}`)).toBe(true)
    }
  })

  test('a secret variable in a non-secret field of a file is refused, named, and its value never shown', async () => {
    const text = testConfigYaml('leak').replace('with: { probe: leak } } ]', 'with: { probe: "x-${MM_API_TOKEN}" } } ]')
    const res = await load(text, { MM_API_TOKEN: TOKEN })
    expect(res.ok).toBe(false)
    if (res.ok) return
    const shown = formatIssues(FILE, res.issues)
    expect(shown).toContain('pipeline.source.0.with.probe')
    expect(shown).toContain('MM_API_TOKEN holds a secret')
    expect(shown).not.toContain(TOKEN)
  })

  test('a mapping key is never expanded, so an unknown key named ${PK} cannot echo the key', async () => {
    const res = await load(`label_\${PK}: 1\n${testConfigYaml('keys')}`, { PK: KEY })
    expect(res.ok).toBe(false)
    if (!res.ok) {
      expect(formatIssues(FILE, res.issues)).toContain('label_${PK}')
      expect(formatIssues(FILE, res.issues)).not.toContain('abababab')
    }
  })

  test('a variable that fills a declared secret is a secret everywhere, whatever its name', async () => {
    const withToken = testConfigYaml('src')
      .replace('server: { enabled: false }', 'server: { enabled: false, token: "${ACCESS}" }')
      .replace('with: { probe: src } } ]', 'with: { probe: "${ACCESS}" } } ]')
    const res = await load(withToken, { ACCESS: TOKEN })
    expect(res.ok).toBe(false)
    if (!res.ok) expect(formatIssues(FILE, res.issues)).toContain('ACCESS holds a secret')
  })

  test('secret fields still take secret variables; ordinary variables fill ordinary fields', async () => {
    const text = testConfigYaml('fine')
      .replace('mode: paper', 'mode: live')
      .replace('server: { enabled: false }', 'server: { enabled: false, token: "${MM_API_TOKEN}" }')
      .replace('with: { probe: fine } } ]', 'with: { probe: "${LABEL}" } } ]')
      .concat('exchange: { use: polymarket, with: { private_key: "${PK}" } }\n')
    const res = await load(text, { MM_API_TOKEN: TOKEN, PK: KEY, LABEL: 'fine' })
    if (!res.ok) throw new Error(formatIssues(FILE, res.issues))
    expect(res.loaded.config.server.token).toBe(TOKEN)
  })

  test('a reload body with ${MM_API_TOKEN} or ${PK} in a non-secret field is rejected and never read back', async () => {
    const p = probe('reload-leak')
    p.rows = [{ token1: '1', token2: '2', condition_id: `0x${'0'.repeat(63)}1` }]
    const yaml = testConfigYaml('reload-leak')
    const res = await load(yaml, {})
    if (!res.ok) throw new Error(formatIssues(FILE, res.issues))
    const daemon = await startDaemon({
      loaded: res.loaded,
      builtins: testBuiltins,
      log: createMemoryLogger().log,
      exchange: nullExchange,
      clock: createManualClock(),
    })
    running.push(daemon)
    const app = createApp(daemon, { token: 'operator-token-0123456789' })
    const saved = { token: process.env.MM_API_TOKEN, pk: process.env.PK }
    process.env.MM_API_TOKEN = TOKEN
    process.env.PK = KEY
    try {
      for (const variable of ['MM_API_TOKEN', 'PK']) {
        const body = yaml.replace('with: { probe: reload-leak } } ]', `with: { probe: "\${${variable}}" } } ]`)
        const reply = await app.request('/config/reload', {
          method: 'POST',
          headers: { authorization: 'Bearer operator-token-0123456789' },
          body,
        })
        const replyText = await reply.text()
        expect(reply.status).toBe(400)
        expect(replyText).toContain(`${variable} holds a secret`)
        const shown = await (await app.request('/config')).text()
        for (const text of [replyText, shown]) {
          expect(text).not.toContain(TOKEN)
          expect(text).not.toContain('abababab')
        }
      }
      expect(daemon.current().generation).toBe(1)
    } finally {
      for (const [k, v] of [
        ['MM_API_TOKEN', saved.token],
        ['PK', saved.pk],
      ] as const) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })
})
