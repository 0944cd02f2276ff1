import type { Finding } from './checks.ts'

/** The findings as a table a person reads: one line each, the fix under every problem or warning. */

const MARK: Record<Finding['severity'], string> = { ok: 'ok  ', warn: 'warn', problem: 'FAIL' }

export function formatFindings(findings: readonly Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length))
  const lines = findings.flatMap((f) => [
    `${MARK[f.severity]}  ${f.check.padEnd(width)}  ${f.detail}`,
    ...(f.fix && f.severity !== 'ok' ? [`      ${' '.repeat(width)}  → ${f.fix}`] : []),
  ])
  const problems = findings.filter((f) => f.severity === 'problem').length
  const warns = findings.filter((f) => f.severity === 'warn').length
  lines.push(
    '',
    problems === 0
      ? `ready to trade (${warns} warning(s))`
      : `${problems} problem(s), ${warns} warning(s): not ready to trade`,
  )
  return `${lines.join('\n')}\n`
}
