import { describe, expect, test } from 'bun:test'
import type { AccountShare, InstanceRisk } from '../../../stages/account-share.ts'
import { A, B, fillOf, NOON, riskInput, setup } from './test-inputs.ts'

const NO_CAPS = { soft_cap: 0.5, hard_cap: 1 }
const settle = () => new Promise((r) => setTimeout(r, 0))

/** The other instances of the account, as the database would report them; records what we publish. */
function peersAt(pnlUsd: number, instances = ['pod-1']) {
  const published: InstanceRisk[] = []
  let peerPnl = pnlUsd
  let failing = false
  const share: AccountShare = {
    reserve: async () => 0,
    observe: async () => {},
    async publish(r) {
      if (failing) throw new Error('connection refused')
      published.push(r)
    },
    async peers() {
      if (failing) throw new Error('connection refused')
      return { instances, pnlUsd: peerPnl, exposureUsd: 0, halted: [], oldestMs: 0 }
    },
  }
  return {
    share,
    published,
    setPeerPnl: (v: number) => {
      peerPnl = v
    },
    fail: (v: boolean) => {
      failing = v
    },
  }
}

describe('caps: the daily loss limit is the account’s when instances share it', () => {
  test('our −30 and the others’ −80 halt us (limit 100 USD), naming both parts; we publish only our own', async () => {
    const peers = peersAt(-20)
    const s = await setup(NO_CAPS, NOON, peers.share)
    await settle()
    s.ctx.account.applyFill(fillOf(A, { side: 'BUY', price: 0.5, size: 1000, timestamp: NOON }))
    const runA = (fair: number) =>
      s.run(riskInput(A, { fair, position: s.ctx.account.position(A), now: s.clock.now() }))
    expect(runA(0.47).state).toBe('ACTIVE') // ours −30, theirs −20

    peers.setPeerPnl(-80)
    s.ctx.dirty.length = 0
    s.clock.advance(1000) // the next exchange: a loss elsewhere halts here without waiting for a quote
    await settle()
    expect(s.ctx.dirty).toContain(A.conditionId)
    const v = s.run(riskInput(B, { fair: 0.5, now: s.clock.now() }))
    expect(v.state).toBe('HALTED')
    expect(v.reason).toContain('account-wide PnL -110.00 USD (this instance -30.00, 1 other instance(s) -80.00)')
    const mine = peers.published.at(-1)
    expect(mine?.pnlUsd).toBeCloseTo(-30, 9)
    expect(mine?.exposureUsd).toBeGreaterThan(0)
    await s.handler.stop?.()
  })

  test('a database that goes away keeps the others’ last loss (it happened) and says so once', async () => {
    const peers = peersAt(-95)
    const s = await setup(NO_CAPS, NOON, peers.share)
    await settle()
    peers.fail(true)
    for (let i = 0; i < 3; i++) {
      s.clock.advance(1000)
      await settle()
    }
    s.ctx.account.applyFill(fillOf(A, { side: 'BUY', price: 0.5, size: 1000, timestamp: NOON }))
    const v = s.run(riskInput(A, { fair: 0.494, position: s.ctx.account.position(A), now: s.clock.now() })) // ours −6
    expect(v.state).toBe('HALTED')
    expect(s.ctx.lines.filter((l) => l.includes('account-wide risk not shared'))).toHaveLength(1)
    await s.handler.stop?.()
  })

  test('alone (no shared database) nothing changes: the limit is this instance’s', async () => {
    const s = await setup(NO_CAPS)
    s.ctx.account.applyFill(fillOf(A, { side: 'BUY', price: 0.5, size: 1000, timestamp: NOON }))
    const v = s.run(riskInput(A, { fair: 0.45, position: s.ctx.account.position(A), now: s.clock.now() }))
    expect(v.state).toBe('ACTIVE')
    expect(s.handler.status().daily?.peersPnlUsd).toBe(0)
  })
})
