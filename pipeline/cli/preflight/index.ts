import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { builtins } from '../../../plugins/index.ts'
import { formatIssues } from '../../config/errors.ts'
import type { Env } from '../../config/interpolate.ts'
import { loadConfig } from '../../config/load.ts'
import { startExchange } from '../../exchange.ts'
import { createLogger } from '../../logger.ts'
import { checkAccount } from '../../preflight/check-account.ts'
import { evaluate } from '../../preflight/checks.ts'
import { formatFindings } from '../../preflight/format.ts'

/**
 * `mm preflight --config <file> [--probe-order] [--json]`: the account as production sees it, before any quote.
 * Exit 0 when nothing blocks trading, 1 with every problem listed, 2 on bad arguments.
 */

export interface PreflightIo {
  stdout(text: string): void
  stderr(text: string): void
}

export async function runPreflight(argv: string[], io: PreflightIo, env?: Env): Promise<number> {
  let values: { config?: string; 'probe-order'?: boolean; json?: boolean }
  try {
    ;({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, 'probe-order': { type: 'boolean' }, json: { type: 'boolean' } },
      strict: true,
    }))
  } catch (err) {
    io.stderr(`mm preflight: ${(err as Error).message.split('\n')[0]}\n`)
    return 2
  }
  const path = resolve(values.config ?? 'mm.config.yaml')
  if (!existsSync(path)) {
    io.stderr(`mm preflight: config file not found: ${path}\n`)
    return 2
  }
  const res = await loadConfig(path, { builtins, ...(env ? { env } : {}) })
  if (!res.ok) {
    io.stderr(`${formatIssues(res.file, res.issues)}\n${res.issues.length} problem(s) in ${res.file}\n`)
    return 1
  }
  const { log } = createLogger({ silent: true })
  const host = await startExchange(res.loaded.config, log)
  try {
    if (!host.credentials.privateKey) {
      io.stderr('mm preflight: no private key (PK) in the environment\n')
      return 1
    }
    const facts = await checkAccount(host, values['probe-order'] === true)
    const findings = evaluate(facts)
    if (values.json) io.stdout(`${JSON.stringify({ exchange: host.endpoints.clobUrl, findings }, null, 2)}\n`)
    else
      io.stdout(
        `preflight of ${facts.funder ?? facts.signer} on ${host.endpoints.clobUrl}\n\n${formatFindings(findings)}`,
      )
    return findings.some((f) => f.severity === 'problem') ? 1 : 0
  } catch (err) {
    io.stderr(`mm preflight: ${(err as Error).message}\n`)
    return 1
  } finally {
    await host.stop()
  }
}
