/** One problem with a config, located in the file where possible. */
export interface ConfigIssue {
  /** Dotted YAML path, e.g. pipeline.spread.with.k_vol ('' for the whole file). */
  readonly path: string
  /** 1-based line in the config file, when the value is in the file. */
  readonly line?: number
  readonly message: string
  /** Where the value came from when not the file itself: "env K_VOL". */
  readonly origin?: string
}

export function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line ? `${file}:${issue.line}` : file
  const path = issue.path ? ` ${issue.path}:` : ''
  const origin = issue.origin ? ` (from ${issue.origin})` : ''
  return `${where}${path} ${issue.message}${origin}`
}

export function formatIssues(file: string, issues: readonly ConfigIssue[]): string {
  return issues.map((i) => formatIssue(file, i)).join('\n')
}

export function joinPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.')
}
