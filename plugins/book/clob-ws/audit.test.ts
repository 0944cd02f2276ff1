import { describe, expect, test } from 'bun:test'
import { isPull } from '../../../stages/io.ts'
import { waitFor } from './test-support/fixture-server.ts'
import { CAPTURED, DD22, type Handler, NO, useReplayHarness, YES } from './test-support/replay-harness.ts'

/** The REST /book audit through the plugin, against the replaying server on a manual clock. */

const t = useReplayHarness()

describe('REST /book audit of fresh books (§7.6: a socket that PONGs but sends nothing)', () => {
  test('a frozen feed: the audit finds the book behind REST, reconnects the socket, and the book is right again', async () => {
    const h = await t.start([DD22], { audit_every: '5s' })
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.freeze()
    await t.step(250, 60) // 15 s frozen on a quiet book: PINGs answered, audits agree, nothing to do
    expect(t.server.received.filter((t) => t === 'PING').length).toBeGreaterThan(0)
    expect(t.fresh(h, DD22)).toBe(true)
    expect(t.server.connections()).toBe(1)
    t.server.change(YES, 'BUY', '0.39', '777') // the exchange moves; the frozen socket says nothing
    await t.step(250, 200, () => t.server.connections() === 2)
    expect(t.server.connections()).toBe(2)
    await t.step(250, 40, () => t.fresh(h, DD22))
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids(2)[1]).toEqual({ price: 0.39, size: 777 })
    expect(await t.metric('mm_book_audit_mismatches_total', { action: 'reconnect' })).toBe(1)
    expect(await t.metric('mm_book_audit_checks_total', { result: 'disagree' })).toBe(2)
    expect(t.ctx.lines.some((l) => l.includes('book audit:') && l.includes('reconnecting its socket'))).toBe(true)
    expect(h.audit()).toMatchObject({ enabled: true, mismatches: 1, reconnects: 1 })
  })

  test('a book that misses one change on a live socket is re-seeded, the socket kept', async () => {
    const h = await t.start([DD22], { audit_every: '5s' })
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.change(YES, 'BUY', '0.35', '5', false) // lost below the top: no best_bid/best_ask check can see it
    for (let i = 0; i < 40 && (await t.metric('mm_book_audit_mismatches_total')) === 0; i++) {
      t.server.change(NO, 'SELL', '0.6', String(10 + i)) // the socket keeps carrying data for the other token
      await t.step(250, 1)
    }
    await t.step(250, 20, () => t.fresh(h, DD22) && h.run({ market: DD22 }) !== undefined && serverHas035(h))
    expect(await t.metric('mm_book_audit_mismatches_total', { action: 'reseed' })).toBe(1)
    expect(await t.metric('mm_book_audit_mismatches_total', { action: 'reconnect' })).toBe(0)
    expect(t.server.connections()).toBe(1)
    expect(serverHas035(h)).toBe(true)
  })

  function serverHas035(h: Handler): boolean {
    const out = h.run({ market: DD22 })
    return !isPull(out) && out.yes.bids().some((l) => l.price === 0.35 && l.size === 5)
  }

  test('within audit_rate, least recently checked first; every book agrees; the pass and its bound are reported', async () => {
    const h = await t.start([DD22, CAPTURED], { audit_rate: 1, audit_every: '1s' })
    await waitFor(() => t.fresh(h, DD22) && t.fresh(h, CAPTURED), 'books fresh')
    const before = t.server.restRequests.length
    await t.step(100, 120) // 12 s
    const audits = t.server.restRequests.slice(before)
    expect(audits.length).toBeGreaterThanOrEqual(9)
    expect(audits.length).toBeLessThanOrEqual(12) // 1 a second
    // Round robin: each window of 4 consecutive audits covers the 4 books.
    for (let i = 0; i + 4 <= audits.length; i += 4) expect(new Set(audits.slice(i, i + 4)).size).toBe(4)
    const a = h.audit()
    expect(a.checks.agree).toBeGreaterThanOrEqual(8)
    expect(a.checks.disagree + a.mismatches).toBe(0)
    expect(a.last_pass_s).not.toBeNull()
    expect(a.last_pass_s as number).toBeLessThanOrEqual(a.pass_bound_s)
    expect(a.pass_bound_s).toBe(4 + 10 + 1) // 4 books at 1/s, + reseed_timeout + audit_grace
    expect(await t.metric('mm_book_audit_pass_seconds')).toBeGreaterThan(0)
    expect(t.ctx.health.components.get('book-audit')?.reason).toContain('4 fresh books; last pass')
    expect(t.ctx.health.components.get('book-audit')?.up).toBe(true)
    for (const tb of h.books()) expect((tb as unknown as { agreedAt: number }).agreedAt).toBeGreaterThan(0)
    const ages = await t.ctx.metrics.registry.getSingleMetric('mm_book_audit_agreement_age_seconds')?.get()
    const yesAge = ages?.values.find((v) => v.labels.token_id === YES)
    expect(yesAge?.value).toBeLessThan(5) // audited about every 4 s
  })

  test('no agreement with REST within audit_max_age: the book is not fresh (no quotes) until REST agrees again', async () => {
    const h = await t.start([DD22], { audit_every: '5s', audit_max_age: '20s' })
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.restStatus = 503
    await t.step(500, 44) // 22 s: every audit fails
    const out = h.run({ market: DD22 })
    expect(isPull(out) && out.pull).toContain('no agreement with REST /book for')
    expect(t.ctx.dirty).toContain(DD22.conditionId)
    expect(await t.metric('mm_book_audit_checks_total', { result: 'error' })).toBeGreaterThan(0)
    expect(t.server.connections()).toBe(1)
    t.server.restStatus = undefined
    await t.step(250, 40, () => t.fresh(h, DD22))
    expect(t.fresh(h, DD22)).toBe(true)
  })
})
