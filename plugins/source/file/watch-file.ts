import { type FSWatcher, watch } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Clock } from '../../../pipeline/clock.ts'

/**
 * Calls `onChange` once a burst of changes to `path` has been quiet for `debounceMs`. Watches the directory,
 * not the file: editors that save by writing a new file and renaming it over the old one would otherwise end
 * the watch after the first save. Returns the function that stops watching.
 */
export function watchFile(
  path: string,
  debounceMs: number,
  clock: Pick<Clock, 'setTimeout'>,
  onChange: () => void,
  onError: (err: Error) => void,
): () => void {
  const name = basename(path)
  let cancelTimer: (() => void) | undefined
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // Some platforms do not report the name; a change then counts for our file too.
      if (filename !== null && filename !== name) return
      cancelTimer?.()
      cancelTimer = clock.setTimeout(() => {
        cancelTimer = undefined
        onChange()
      }, debounceMs)
    })
    watcher.on('error', (err) => onError(err))
  } catch (err) {
    onError(err as Error)
  }
  return () => {
    cancelTimer?.()
    cancelTimer = undefined
    watcher?.close()
    watcher = undefined
  }
}
