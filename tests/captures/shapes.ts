import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The project's own wire fixtures (tests/fixtures/wire/) must keep the field shapes of the real captures they
 * stand in for: same keys, same JSON types, nested objects and list items included. Gamma markets carry a
 * subset of the real fields (every field they have is real); every other fixture has exactly the real key set.
 */
const WIRE = join(import.meta.dir, '../fixtures/wire')
/** In-tree name → capture name, where they differ. */
const STANDS_IN_FOR: Record<string, string> = { 'ws_book_deep.json': 'ws_book_snapshot_captured.json' }

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v)

/** Every difference in shape between ours and the capture, as "path: what". */
export function shapeDiff(ours: unknown, real: unknown, exact: boolean, path = '$'): string[] {
  if (kind(ours) !== kind(real)) return [`${path}: ${kind(ours)} where the capture has ${kind(real)}`]
  if (Array.isArray(ours) && Array.isArray(real)) {
    if (ours.length === 0 || real.length === 0) return []
    return ours.flatMap((item, i) => shapeDiff(item, real[Math.min(i, real.length - 1)], exact, `${path}[${i}]`))
  }
  if (kind(ours) !== 'object') return []
  const o = ours as Record<string, unknown>
  const r = real as Record<string, unknown>
  const out: string[] = []
  for (const k of Object.keys(o)) {
    if (!(k in r)) out.push(`${path}.${k}: not in the capture`)
    else out.push(...shapeDiff(o[k], r[k], exact, `${path}.${k}`))
  }
  if (exact) for (const k of Object.keys(r)) if (!(k in o)) out.push(`${path}.${k}: missing (the capture has it)`)
  return out
}

export function shapeTests(captures: string): void {
  describe('in-tree wire fixtures have the shapes of the real captures', () => {
    const files = readdirSync(WIRE).filter((f) => f.endsWith('.json'))
    test('there are fixtures to compare', () => expect(files.length).toBeGreaterThan(20))
    for (const file of files) {
      const real = STANDS_IN_FOR[file] ?? file
      test(`${file} ~ ${real}`, () => {
        const ours: unknown = JSON.parse(readFileSync(join(WIRE, file), 'utf8'))
        const theirs: unknown = JSON.parse(readFileSync(join(captures, real), 'utf8'))
        expect(shapeDiff(ours, theirs, !file.startsWith('gamma_market'))).toEqual([])
      })
    }
  })
}
