import type { Logger } from '../../../pipeline/logger.ts'
import type { SourceOutput } from '../../../stages/io.ts'

export const FILTERED_PREFIX = 'filtered out: '

/** Logs every left-out row: a bad row is a warning (someone should fix it), a filtered one is information. */
export function logRejected(log: Logger, rejected: SourceOutput['rejected']): void {
  for (const r of rejected) {
    if (r.reason.startsWith(FILTERED_PREFIX)) log.info(`${r.origin}: ${r.reason}`)
    else log.warn(`${r.origin}: skipped: ${r.reason}`)
  }
}
