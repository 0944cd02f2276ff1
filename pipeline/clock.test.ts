import { expect, test } from 'bun:test'
import { createManualClock } from './clock.ts'

test('the manual clock fires due timers in time order as it advances', () => {
  const clock = createManualClock(0)
  const fired: string[] = []
  clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20)
  clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10)
  const cancel = clock.setTimeout(() => fired.push('never'), 15)
  cancel()
  clock.setInterval(() => fired.push(`i@${clock.now()}`), 8)
  clock.advance(25)
  expect(fired).toEqual(['i@8', 'a@10', 'i@16', 'b@20', 'i@24'])
  expect(clock.now()).toBe(25)
})

test('sleep resolves when the clock passes it, and rejects when aborted first', async () => {
  const clock = createManualClock(0)
  let woke = false
  const nap = clock.sleep(100).then(() => {
    woke = true
  })
  clock.advance(99)
  await Bun.sleep(0)
  expect(woke).toBe(false)
  clock.advance(1)
  await nap
  expect(woke).toBe(true)
  const abort = new AbortController()
  const cut = clock.sleep(100, abort.signal)
  abort.abort(new Error('stopping'))
  await expect(cut).rejects.toThrow('stopping')
})
