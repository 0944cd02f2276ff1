import { type ConfigIssue, joinPath } from './errors.ts'

/**
 * Which environment variables hold secrets, and where they may be expanded.
 *
 * A variable is secret when
 *   - its name is PK, or ends in _KEY, _SECRET, _PASSPHRASE, _TOKEN or _PASSWORD (MM_API_TOKEN, POLY_API_KEY, …), or
 *   - the config uses it to fill a field declared secret (core SECRET_PATHS or a plugin's `secrets:`): a variable
 *     that feeds a secret once is a secret everywhere.
 * A secret variable may only be expanded into a field declared secret. Anywhere else (a URL, a path, a label) the
 * expanded value would be shown by GET /config and logged, so the config is refused and the value is replaced by
 * the redaction mark before anything else (validation messages included) can see it.
 */
const SECRET_NAME = /^(PK|.*_(KEY|SECRET|PASSPHRASE|TOKEN|PASSWORD))$/

export function isSecretVariableName(name: string): boolean {
  return SECRET_NAME.test(name)
}

const within = (dotted: string, secret: string) => dotted === secret || dotted.startsWith(`${secret}.`)

/**
 * Every path whose value was expanded from a secret variable but is not a secret field: the value in `raw` is
 * replaced by `redacted` (in place) and one issue per path names the variable, never its value.
 */
export function refuseMisplacedSecrets(
  raw: unknown,
  varsAt: ReadonlyMap<string, readonly string[]>,
  secretPaths: readonly (readonly (string | number)[])[],
  locate: (path: readonly (string | number)[]) => number | undefined,
  redacted: string,
): ConfigIssue[] {
  const secretDotted = secretPaths.map((p) => joinPath(p))
  const isSecretField = (dotted: string) => secretDotted.some((s) => within(dotted, s))
  const declaredSources = new Set<string>()
  for (const [dotted, names] of varsAt) if (isSecretField(dotted)) for (const n of names) declaredSources.add(n)
  const issues: ConfigIssue[] = []
  for (const [dotted, names] of varsAt) {
    if (isSecretField(dotted)) continue
    const secret = names.filter((n) => isSecretVariableName(n) || declaredSources.has(n))
    if (secret.length === 0) continue
    const path = dotted.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))
    setAt(raw, path, redacted)
    issues.push({
      path: dotted,
      line: locate(path),
      message: `environment variable ${secret.join(', ')} holds a secret and may only fill a field declared secret (${secretDotted.join(', ')}); it is not expanded here`,
    })
  }
  return issues
}

function setAt(obj: unknown, path: readonly (string | number)[], value: unknown): void {
  let cur = obj
  for (const k of path.slice(0, -1)) {
    if (typeof cur !== 'object' || cur === null) return
    cur = (cur as Record<string | number, unknown>)[k]
  }
  if (typeof cur === 'object' && cur !== null) (cur as Record<string | number, unknown>)[path.at(-1) as string] = value
}
