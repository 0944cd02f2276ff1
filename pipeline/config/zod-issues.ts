import type { z } from 'zod'
import { type ConfigIssue, joinPath } from './errors.ts'
import type { Locator } from './locate.ts'

/** Turns zod issues into located config issues. `prefix` is where the validated object sits in the file. */
export function zodIssuesToConfigIssues(
  error: z.ZodError,
  prefix: readonly PropertyKey[],
  locate: Locator,
  envOrigins: ReadonlyMap<string, string>,
): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path]
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ path: joinPath([...path, key]), line: locate(path, { key }), message: `unknown key "${key}"` })
      }
      continue
    }
    const dotted = joinPath(path)
    const origin = envOrigins.get(dotted)
    out.push({
      path: dotted,
      line: origin ? undefined : locate(path),
      message: issue.message,
      ...(origin ? { origin: `env ${origin}` } : {}),
    })
  }
  return out
}
