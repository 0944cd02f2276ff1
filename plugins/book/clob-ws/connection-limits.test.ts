import { describe, expect, test } from 'bun:test'
import plugin from './index.ts'
import { waitFor } from './test-support/fixture-server.ts'
import { CAPTURED, DD22, useReplayHarness } from './test-support/replay-harness.ts'

/** Socket limits, staggered opens, 429 upgrades and back-off, through the plugin on a manual clock. */

const t = useReplayHarness()

describe('connections (§7.6: ~500 tokens a socket, 429 when many open at once)', () => {
  const delays = () =>
    t.ctx.lines.filter((l) => l.includes('reconnecting in')).map((l) => Number(/in (\d+)ms/.exec(l)?.[1]))

  test('socket opens are staggered, at start and after a mass reconnect', async () => {
    const h = await t.start([DD22, CAPTURED], { max_tokens_per_connection: 2, connect_stagger: '1s' })
    await waitFor(() => t.server.connections() === 1, 'first socket')
    await Bun.sleep(30)
    expect(t.server.upgrades()).toBe(1) // the second waits its turn
    t.clock.advance(1000)
    await waitFor(() => t.server.connections() === 2, 'second socket, one stagger later')
    await waitFor(() => t.fresh(h, DD22) && t.fresh(h, CAPTURED), 'both fresh')
    t.server.dropAll()
    await waitFor(() => delays().length === 2, 'both reconnects scheduled')
    t.clock.advance(1000) // both back-offs (≤ 250 ms) and the stagger since the last open are over: one goes
    await waitFor(() => t.server.upgrades() === 3, 'one reopened')
    await Bun.sleep(30)
    expect(t.server.upgrades()).toBe(3)
    t.clock.advance(1000)
    await waitFor(() => t.server.upgrades() === 4, 'the other, a stagger later')
    await waitFor(() => t.fresh(h, DD22) && t.fresh(h, CAPTURED), 'both fresh again')
  })

  test('an upgrade answered 429 backs off at least 2 s with jitter, holds the other opens, then connects', async () => {
    t.server.refuseUpgrades = 1
    const h = await t.start([DD22, CAPTURED], { max_tokens_per_connection: 2 })
    await waitFor(() => delays().length === 1, 'the 429 seen')
    expect(t.ctx.lines.some((l) => l.includes('market ws 0: upgrade answered 429'))).toBe(true)
    const delay = delays()[0] as number
    expect(delay).toBeGreaterThanOrEqual(2000)
    expect(delay).toBeLessThan(4000)
    t.clock.advance(1500) // well past backoff_min and the stagger: yet nobody opens while the gate is held
    await Bun.sleep(30)
    expect(t.server.upgrades()).toBe(1)
    t.clock.advance(delay - 1500)
    await waitFor(() => t.server.upgrades() === 2, 'retried after the wait')
    t.clock.advance(500) // connect_stagger
    await waitFor(() => t.server.connections() === 2, 'both sockets open')
    await waitFor(() => t.fresh(h, DD22) && t.fresh(h, CAPTURED), 'both fresh')
  })

  test('repeated drops do not push the back-off out: quoting is back within backoff_min each time', async () => {
    const h = await t.start([DD22])
    for (let i = 0; i < 8; i++) {
      await waitFor(() => t.fresh(h, DD22), `fresh before drop ${i}`)
      t.clock.advance(6_000) // a working connection, dropped every 6 s (the drill's rhythm)
      const before = delays().length
      t.server.dropAll()
      await waitFor(() => delays().length === before + 1, `reconnect ${i} scheduled`)
      t.clock.advance(250)
    }
    expect(Math.max(...delays())).toBeLessThanOrEqual(250)
  })

  test('drops right after each reconnect escalate the back-off only up to its cap (10 s)', async () => {
    const h = await t.start([DD22])
    for (let i = 0; i < 10; i++) {
      await waitFor(() => t.fresh(h, DD22), `fresh before drop ${i}`)
      const before = delays().length
      t.server.dropAll()
      await waitFor(() => delays().length === before + 1, `reconnect ${i} scheduled`)
      t.clock.advance(Math.max(500, delays().at(-1) as number)) // the back-off, and the stagger since the last open
    }
    expect(Math.max(...delays())).toBeLessThanOrEqual(10_000)
    expect(Math.max(...delays())).toBeGreaterThan(2_000) // it did escalate
  })

  test('at most 500 tokens per market socket', () => {
    expect(plugin.config.safeParse({ max_tokens_per_connection: 500 }).success).toBe(true)
    const over = plugin.config.safeParse({ max_tokens_per_connection: 501 })
    expect(over.success).toBe(false)
    expect(over.error?.issues[0]?.path).toEqual(['max_tokens_per_connection'])
  })
})
