import { type Document, isPair, isScalar, isSeq, visit } from 'yaml'
import type { ConfigIssue } from './errors.ts'

const VAR_RE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}/g

export type Env = Readonly<Record<string, string | undefined>>

/**
 * Replaces ${VAR} and ${VAR:-default} in every string value (never a key) of the document, in place, so YAML line numbers
 * stay attached to each value. `$$` is a literal `$`. A scalar that is exactly one ${VAR} takes the type the
 * value reads as in YAML (a number stays a number). Returns the paths whose value came from the environment, and
 * for each the text as substituted (a secret that happens to be all digits stays the string it was), and the names of
 * the variables substituted at each path (so the loader can refuse a secret variable in a non-secret field).
 */
export function interpolate(
  doc: Document,
  env: Env,
  lineOf: (offset: number) => number,
): { issues: ConfigIssue[]; fromEnv: Map<string, string>; varsAt: Map<string, string[]> } {
  const issues: ConfigIssue[] = []
  const fromEnv = new Map<string, string>()
  const varsAt = new Map<string, string[]>()
  visit(doc, {
    Scalar(key, node, path) {
      // Only values come from the environment: a mapping key names a field, and an expanded key would carry its
      // value (a secret, even) into every message that names the field.
      if (key === 'key') return
      if (typeof node.value !== 'string' || !node.value.includes('$')) return
      const original = node.value
      // The dotted path of this scalar, list indices included (pipeline.risk.0.with.x).
      const yamlPath: string[] = []
      const chain = [...path, node]
      chain.forEach((p, i) => {
        if (isPair(p) && isScalar(p.key)) yamlPath.push(String(p.key.value))
        else if (isSeq(p)) yamlPath.push(String(p.items.indexOf(chain[i + 1] as never)))
      })
      const whole = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}$/.exec(original)
      let usedEnv = false
      const used: string[] = []
      const replaced = original.replace(VAR_RE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$$') return '$'
        const value = env[name as string]
        if (value !== undefined && value !== '') {
          usedEnv = true
          used.push(name as string)
          return value
        }
        if (fallback !== undefined) return fallback
        issues.push({
          path: yamlPath.join('.'),
          line: node.range ? lineOf(node.range[0]) : undefined,
          message: `environment variable ${name} is not set (use \${${name}:-default} for a default)`,
        })
        return ''
      })
      if (usedEnv) {
        fromEnv.set(yamlPath.join('.'), replaced)
        varsAt.set(yamlPath.join('.'), used)
      }
      if (whole && replaced !== '' && /^-?\d+(\.\d+)?$/.test(replaced)) node.value = Number(replaced)
      else if (whole && (replaced === 'true' || replaced === 'false')) node.value = replaced === 'true'
      else node.value = replaced
    },
  })
  return { issues, fromEnv, varsAt }
}
