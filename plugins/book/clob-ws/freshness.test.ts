import { expect, test } from 'bun:test'
import { createLiveness } from './freshness.ts'

test('live follows frames, not quiet books: silence past stale_after flips it, the next frame restores it', () => {
  const changes: [boolean, string][] = []
  const l = createLiveness('0', 15_000, (live, reason) => changes.push([live, reason]))
  expect(l.live).toBe(false)
  l.touch(0)
  expect(l.live).toBe(false) // frames before the socket is open do not count
  l.opened(1000)
  expect(l.live).toBe(true)
  l.touch(10_000)
  l.check(20_000)
  expect(l.live).toBe(true)
  l.check(25_001)
  expect(l.live).toBe(false)
  expect(l.reason).toContain('no data')
  l.touch(26_000)
  expect(l.live).toBe(true)
  l.closed('socket closed (1006)')
  expect(l.live).toBe(false)
  expect(l.check(100_000)).toBe(0)
  expect(changes.map((c) => c[0])).toEqual([true, false, true, false])
})
