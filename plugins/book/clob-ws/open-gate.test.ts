import { expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createOpenGate } from './open-gate.ts'

test('opens run in the order asked, spacing apart; hold pushes every waiting one back; withdrawn ones never run', () => {
  const clock = createManualClock()
  const gate = createOpenGate(clock, 250)
  const ran: [string, number][] = []
  const t0 = clock.now()
  const at = (name: string) => () => ran.push([name, clock.now() - t0])
  gate.request(at('a'))
  gate.request(at('b'))
  const withdraw = gate.request(at('c'))
  gate.request(at('d'))
  withdraw()
  expect(ran).toEqual([['a', 0]])
  clock.advance(100)
  gate.hold(2000) // a 429 at 100 ms
  clock.advance(5000)
  expect(ran).toEqual([
    ['a', 0],
    ['b', 2100],
    ['d', 2350],
  ])
  expect(gate.waiting()).toBe(0)
})
