import { describe, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { bookHashTests } from './book-hash.ts'
import { decodeTests } from './decode.ts'
import { shapeTests } from './shapes.ts'

/**
 * The one suite that reads the real Polymarket captures (third-party data the repository may not hold). It finds
 * them through MM_CAPTURES_DIR (relative paths are taken from the repository root); `.ci/run` points it at the
 * captures beside the clone and sets MM_REQUIRE_CAPTURES=1, so there a missing folder fails. Anywhere else, unset
 * or absent, the suite is skipped with one line.
 */
const ROOT = join(import.meta.dir, '../..')
const setting = process.env.MM_CAPTURES_DIR
const dir = setting ? (isAbsolute(setting) ? setting : join(ROOT, setting)) : undefined
const present = dir !== undefined && existsSync(join(dir, 'ws_book_snapshot_captured.json'))

if (!present) {
  const why = dir ? `no captures at ${dir} (MM_CAPTURES_DIR=${setting})` : 'MM_CAPTURES_DIR is not set'
  if (process.env.MM_REQUIRE_CAPTURES === '1') throw new Error(`tests/captures: ${why}`)
  console.log(`skipped: tests/captures (real Polymarket captures): ${why}`)
  describe.skip(`real captures (${why})`, () => {
    test('captures', () => {})
  })
} else {
  shapeTests(dir)
  bookHashTests(dir)
  decodeTests(dir)
}
