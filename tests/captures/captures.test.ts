import { describe, test } from 'bun:test'
import { existsSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { bookHashTests } from './book-hash.ts'
import { decodeTests } from './decode.ts'
import { shapeTests } from './shapes.ts'

/**
 * The one suite that reads the real Polymarket captures (third-party data the repository may not hold). It finds
 * them through MM_CAPTURES_DIR (relative paths are taken from the repository root); `.ci/run` sets it to
 * ../shared/fixtures/polymarket and fails when they are missing. Unset, the suite is skipped with one line.
 */
const ROOT = join(import.meta.dir, '../..')
const setting = process.env.MM_CAPTURES_DIR
const dir = setting ? (isAbsolute(setting) ? setting : join(ROOT, setting)) : undefined

if (!dir) {
  console.log('skipped: tests/captures (real Polymarket captures): MM_CAPTURES_DIR is not set')
  describe.skip('real captures (MM_CAPTURES_DIR unset)', () => {
    test('captures', () => {})
  })
} else {
  if (!existsSync(join(dir, 'ws_book_snapshot_captured.json'))) {
    throw new Error(`MM_CAPTURES_DIR=${setting}: no captures at ${dir}`)
  }
  shapeTests(dir)
  bookHashTests(dir)
  decodeTests(dir)
}
