import { describe, expect, test } from 'bun:test'
import { createRng } from '../../quoting-math/rng.ts'
import {
  applyOrderEvent,
  createTrackedOrder,
  isOpen,
  type OrderEvent,
  remaining,
  submitEvent,
  type TrackedOrder,
} from './order-state.ts'

const T0 = 1_760_000_000_000

function order(size = 10): TrackedOrder {
  return createTrackedOrder(
    {
      id: `0x${'ab'.repeat(32)}`,
      conditionId: `0x${'cd'.repeat(32)}`,
      tokenId: '123',
      side: 'BUY',
      price: 0.45,
      size,
      layer: 0,
      quoteSide: 'bid',
      quotedMid: 0.5,
    },
    T0,
  )
}

/** Applies events in order, collecting illegal reports. */
function run(start: TrackedOrder, events: OrderEvent[], at = T0 + 1000) {
  let o = start
  const illegal: string[] = []
  for (const e of events) {
    const t = applyOrderEvent(o, e, at)
    if (t.illegal) illegal.push(t.illegal)
    o = t.order
  }
  return { order: o, illegal }
}

const placement: OrderEvent = { kind: 'order-event', type: 'PLACEMENT', status: 'LIVE', sizeMatched: 0 }
const cancellation: OrderEvent = { kind: 'order-event', type: 'CANCELLATION', status: 'CANCELED', sizeMatched: 0 }

describe('happy paths', () => {
  test('pending → live → partially filled → filled by order updates', () => {
    const { order: o, illegal } = run(order(), [
      { kind: 'submit-accepted', status: 'live' },
      placement,
      { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 3 },
    ])
    expect(o.status).toBe('partially_filled')
    expect(o.filled).toBe(3)
    expect(remaining(o)).toBe(7)
    const done = run(o, [{ kind: 'order-event', type: 'UPDATE', status: 'MATCHED', sizeMatched: 10 }]).order
    expect(done.status).toBe('filled')
    expect(done.filled).toBe(10)
    expect(illegal).toEqual([])
  })

  test('events that arrive before the HTTP response are not undone by it', () => {
    const { order: o } = run(order(), [
      placement,
      { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 4 },
    ])
    const t = applyOrderEvent(o, { kind: 'submit-accepted', status: 'live' }, T0 + 2000)
    expect(t.changed).toBe(false)
    expect(t.order.status).toBe('partially_filled')
  })

  test('cancel: requested, then confirmed', () => {
    const live = run(order(), [{ kind: 'submit-accepted', status: 'live' }]).order
    const requested = applyOrderEvent(live, { kind: 'cancel-requested' }, T0 + 5000).order
    expect(requested.cancelRequestedAt).toBe(T0 + 5000)
    expect(isOpen(requested.status)).toBe(true)
    const done = applyOrderEvent(requested, { kind: 'cancel-confirmed' }, T0 + 5100).order
    expect(done.status).toBe('cancelled')
    expect(done.cancelRequestedAt).toBeUndefined()
    expect(isOpen(done.status)).toBe(false)
  })

  test('the state machine is pure: the input order is not modified', () => {
    const o = order()
    const snapshot = JSON.stringify({ ...o, tradeFills: [...o.tradeFills] })
    applyOrderEvent(o, { kind: 'trade', tradeId: 't1', size: 2, status: 'MATCHED' }, T0)
    applyOrderEvent(o, { kind: 'submit-accepted', status: 'live' }, T0)
    expect(JSON.stringify({ ...o, tradeFills: [...o.tradeFills] })).toBe(snapshot)
  })
})

describe('changed: every status or fill change is reported', () => {
  // An adopted order starts pending and is moved by the exchange's snapshot; the step goes through 'live'.
  test.each([
    ['GET /data/order LIVE', { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 0 } }],
    ['PLACEMENT event', { kind: 'order-event', type: 'PLACEMENT', status: 'LIVE', sizeMatched: 0 }],
    ['accepted as matched without amounts', { kind: 'submit-accepted', status: 'matched' }],
  ] as const)('pending → live by %s', (_name, event) => {
    const pending = order()
    const t = applyOrderEvent(pending, event, T0 + 500)
    expect(t.order.status).toBe('live')
    expect(t.changed).toBe(true)
    expect(t.order.updatedAt).toBe(T0 + 500)
  })

  test('unknown → live by a snapshot is a change; the same snapshot again is not', () => {
    const unknown = run(order(), [{ kind: 'submit-ambiguous', reason: 'timeout' }]).order
    const live = applyOrderEvent(unknown, { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 0 } }, T0 + 2000)
    expect(live.changed).toBe(true)
    expect(live.order.status).toBe('live')
    const again = applyOrderEvent(
      live.order,
      { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 0 } },
      T0 + 3000,
    )
    expect(again.changed).toBe(false)
    expect(again.order).toBe(live.order)
  })

  test('property: changed is true exactly when status, fill or another tracked field moved', () => {
    const events: OrderEvent[] = [
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'submit-accepted', status: 'matched' },
      { kind: 'submit-ambiguous', reason: 'timeout' },
      placement,
      cancellation,
      { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 4 },
      { kind: 'trade', tradeId: 't1', size: 2, status: 'MATCHED' },
      { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 1 } },
      { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 0 } },
      { kind: 'cancel-requested' },
      { kind: 'cancel-confirmed' },
    ]
    const starts = [order(), run(order(), [{ kind: 'submit-ambiguous', reason: 'timeout' }]).order]
    for (const start of starts) {
      for (const a of events) {
        const first = applyOrderEvent(start, a, T0 + 100)
        for (const b of events) {
          const t = applyOrderEvent(first.order, b, T0 + 200)
          const moved = t.order.status !== first.order.status || t.order.filled !== first.order.filled
          if (moved) expect(t.changed).toBe(true)
          if (!t.changed) expect(t.order).toBe(first.order)
        }
      }
    }
  })
})

describe('ambiguous outcomes are never taken for rejections', () => {
  test('a timeout makes the order unknown; a later PLACEMENT makes it live', () => {
    const unknown = run(order(), [{ kind: 'submit-ambiguous', reason: 'timeout' }]).order
    expect(unknown.status).toBe('unknown')
    expect(isOpen(unknown.status)).toBe(true)
    expect(run(unknown, [placement]).order.status).toBe('live')
  })

  test('a trade resolves an unknown order directly', () => {
    const o = run(order(), [
      { kind: 'submit-ambiguous', reason: 'http 502' },
      { kind: 'trade', tradeId: 't1', size: 4, status: 'MATCHED' },
    ]).order
    expect(o.status).toBe('partially_filled')
    expect(o.filled).toBe(4)
  })

  test('GET /data/order resolves unknown: found LIVE → live', () => {
    const o = run(order(), [
      { kind: 'submit-ambiguous', reason: 'timeout' },
      { kind: 'rest-order', order: { status: 'LIVE', sizeMatched: 1 } },
    ]).order
    expect(o.status).toBe('partially_filled')
  })

  test('not found within the grace period: still unknown; after it: rejected (inferred), and overturned by evidence', () => {
    const unknown = run(order(), [{ kind: 'submit-ambiguous', reason: 'timeout' }]).order
    const early = applyOrderEvent(unknown, { kind: 'rest-order', order: null }, T0 + 5_000, { notFoundGraceMs: 15_000 })
    expect(early.order.status).toBe('unknown')
    const late = applyOrderEvent(unknown, { kind: 'rest-order', order: null }, T0 + 20_000, { notFoundGraceMs: 15_000 })
    expect(late.order.status).toBe('rejected')
    expect(late.order.rejectionInferred).toBe(true)
    const back = run(late.order, [placement])
    expect(back.order.status).toBe('live')
    expect(back.illegal).toEqual([])
  })

  test('a late explicit rejection after a timeout is a rejection', () => {
    const o = run(order(), [
      { kind: 'submit-ambiguous', reason: 'timeout' },
      { kind: 'submit-rejected', reason: 'not enough balance / allowance' },
    ]).order
    expect(o.status).toBe('rejected')
  })

  test('a delayed match leaves the order unknown until resolved', () => {
    expect(run(order(), [{ kind: 'submit-accepted', status: 'delayed' }]).order.status).toBe('unknown')
  })

  test('a failed cancel makes the order unknown (cancelled or matched: to be looked up)', () => {
    const o = run(order(), [
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'cancel-requested' },
      { kind: 'cancel-failed', reason: 'already canceled or matched' },
    ]).order
    expect(o.status).toBe('unknown')
    expect(o.cancelRequestedAt).toBeUndefined()
  })
})

describe('fills from trade events', () => {
  test('a trade seen in several statuses counts once; two trades add up', () => {
    const o = run(order(), [
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'MATCHED' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'MINED' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'CONFIRMED' },
      { kind: 'trade', tradeId: 't2', size: 2, status: 'MATCHED' },
    ]).order
    expect(o.filled).toBe(5)
    expect(o.status).toBe('partially_filled')
  })

  test('a FAILED trade reverses its fill', () => {
    const o = run(order(), [
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'MATCHED' },
      { kind: 'trade', tradeId: 't2', size: 2, status: 'MATCHED' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'FAILED' },
    ]).order
    expect(o.filled).toBe(2)
    expect(o.status).toBe('partially_filled')
  })

  test('order updates and trades of the same match do not double count', () => {
    const o = run(order(), [
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'trade', tradeId: 't1', size: 3, status: 'MATCHED' },
      { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 3 },
    ]).order
    expect(o.filled).toBe(3)
  })

  test('fills matched before a cancel arrive late and are kept; a full one turns the order filled', () => {
    const cancelled = run(order(), [{ kind: 'submit-accepted', status: 'live' }, cancellation]).order
    expect(cancelled.status).toBe('cancelled')
    const late = run(cancelled, [{ kind: 'trade', tradeId: 't9', size: 4, status: 'MATCHED' }])
    expect(late.order.status).toBe('cancelled')
    expect(late.order.filled).toBe(4)
    expect(late.illegal).toEqual([])
    expect(run(late.order, [{ kind: 'trade', tradeId: 't10', size: 6, status: 'MATCHED' }]).order.status).toBe('filled')
  })

  test('matched on submit with amounts: the matched shares count as filled', () => {
    const o = run(order(), [{ kind: 'submit-accepted', status: 'matched', matchedSize: 10 }]).order
    expect(o.status).toBe('filled')
  })
})

describe('illegal transitions are ignored and reported', () => {
  const filled = run(order(), [
    { kind: 'submit-accepted', status: 'live' },
    { kind: 'trade', tradeId: 't', size: 10, status: 'MATCHED' },
  ]).order

  test.each([
    ['placement of a filled order', filled, placement],
    ['cancellation of a filled order', filled, cancellation],
    ['cancel confirmed for a filled order', filled, { kind: 'cancel-confirmed' } as OrderEvent],
    [
      'rejection after the order was seen',
      run(order(), [placement]).order,
      { kind: 'submit-rejected', reason: 'x' } as OrderEvent,
    ],
    [
      'PLACEMENT after an explicit rejection',
      run(order(), [{ kind: 'submit-rejected', reason: 'x' }]).order,
      placement,
    ],
    [
      'size_matched going back',
      run(order(), [placement, { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 5 }]).order,
      { kind: 'order-event', type: 'UPDATE', status: 'LIVE', sizeMatched: 2 } as OrderEvent,
    ],
    ['PLACEMENT after a cancellation', run(order(), [placement, cancellation]).order, placement],
    ['cancel of a finished order', filled, { kind: 'cancel-requested' } as OrderEvent],
  ])('%s', (_name, start, event) => {
    const t = applyOrderEvent(start, event, T0 + 9000)
    expect(t.illegal).toBeString()
    expect(t.changed).toBe(false)
    expect(t.order).toBe(start)
  })
})

describe('submitEvent: what a POST /order(s) answer means', () => {
  test.each([
    ['network failure', { kind: 'failure', reason: 'ECONNRESET' }, 'submit-ambiguous'],
    ['timeout', { kind: 'failure', reason: 'timeout' }, 'submit-ambiguous'],
    ['502', { kind: 'response', httpStatus: 502, body: {} }, 'submit-ambiguous'],
    [
      'duplicate: the order exists',
      {
        kind: 'response',
        httpStatus: 400,
        body: { error: "order is invalid. Duplicated. Same order has already been placed, can't be placed again" },
      },
      'submit-ambiguous',
    ],
    [
      '400 error',
      { kind: 'response', httpStatus: 400, body: { error: 'invalid post-only order: order crosses book' } },
      'submit-rejected',
    ],
    [
      'success false',
      { kind: 'response', httpStatus: 200, body: { success: false, errorMsg: 'not enough balance / allowance' } },
      'submit-rejected',
    ],
    ['429', { kind: 'response', httpStatus: 429, body: {} }, 'submit-rejected'],
    [
      'live',
      { kind: 'response', httpStatus: 200, body: { success: true, status: 'live', orderID: '0x' } },
      'submit-accepted',
    ],
    [
      'delayed message',
      {
        kind: 'response',
        httpStatus: 200,
        body: { success: false, errorMsg: 'order match delayed due to market conditions' },
      },
      'submit-accepted',
    ],
    [
      'success true without an order id but with an error message (not enough balance)',
      {
        kind: 'response',
        httpStatus: 200,
        body: {
          success: true,
          orderID: '',
          errorMsg: 'not enough balance / allowance: the balance is not enough',
        },
      },
      'submit-rejected',
    ],
    [
      'success true with an insert error message (price breaks the tick size)',
      {
        kind: 'response',
        httpStatus: 200,
        body: { success: true, errorMsg: 'order is invalid. Price breaks minimum tick size rules' },
      },
      'submit-rejected',
    ],
    ['body without a verdict', { kind: 'response', httpStatus: 200, body: {} }, 'submit-ambiguous'],
    [
      'an order id without a verdict',
      { kind: 'response', httpStatus: 200, body: { orderID: '0xab' } },
      'submit-accepted',
    ],
  ] as const)('%s', (_name, outcome, kind) => {
    expect(submitEvent(outcome, 'BUY').kind).toBe(kind)
  })

  test('matched: shares are the taking amount of a BUY and the making amount of a SELL', () => {
    const body = { success: true, status: 'matched', makingAmount: '4.5', takingAmount: '10' }
    expect(submitEvent({ kind: 'response', httpStatus: 200, body }, 'BUY')).toEqual({
      kind: 'submit-accepted',
      status: 'matched',
      matchedSize: 10,
    })
    expect(submitEvent({ kind: 'response', httpStatus: 200, body }, 'SELL')).toEqual({
      kind: 'submit-accepted',
      status: 'matched',
      matchedSize: 4.5,
    })
  })
})

describe('property: random event sequences', () => {
  const statuses = ['MATCHED', 'MINED', 'CONFIRMED', 'FAILED'] as const

  function randomEvent(r: () => number, allowRejection: boolean): OrderEvent {
    const k = Math.floor(r() * (allowRejection ? 11 : 9))
    const sizeMatched = Math.floor(r() * 12)
    switch (k) {
      case 0:
        return {
          kind: 'submit-accepted',
          status: (['live', 'matched', 'delayed', 'unmatched'] as const)[Math.floor(r() * 4)] ?? 'live',
        }
      case 1:
        return { kind: 'submit-ambiguous', reason: 'timeout' }
      case 2:
        return {
          kind: 'order-event',
          type: (['PLACEMENT', 'UPDATE', 'CANCELLATION'] as const)[Math.floor(r() * 3)] ?? 'UPDATE',
          status: r() < 0.8 ? 'LIVE' : 'MATCHED',
          sizeMatched,
        }
      case 3:
      case 4:
        return {
          kind: 'trade',
          tradeId: `t${Math.floor(r() * 4)}`,
          size: 1 + Math.floor(r() * 4),
          status: statuses[Math.floor(r() * 4)] ?? 'MATCHED',
        }
      case 5:
        return {
          kind: 'rest-order',
          order: { status: (['LIVE', 'MATCHED', 'CANCELED'] as const)[Math.floor(r() * 3)] ?? 'LIVE', sizeMatched },
        }
      case 6:
        return { kind: 'cancel-requested' }
      case 7:
        return { kind: 'cancel-confirmed' }
      case 8:
        return { kind: 'cancel-failed', reason: 'already canceled or matched' }
      case 9:
        return { kind: 'submit-rejected', reason: 'x' }
      default:
        return { kind: 'rest-order', order: null }
    }
  }

  test('2,000 sequences: fill within [0, size], finished orders stay finished, no rejection without a refusal', () => {
    const r = createRng(123)
    for (let n = 0; n < 2000; n++) {
      const allowRejection = r() < 0.5
      let o = order(10)
      let wasFilled = false
      let explicitReject = false
      for (let i = 0; i < 12; i++) {
        const e = randomEvent(r, allowRejection)
        const t = applyOrderEvent(o, e, T0 + 60_000 + i)
        if (t.illegal) expect(t.order).toBe(o)
        o = t.order
        expect(o.filled).toBeGreaterThanOrEqual(0)
        expect(o.filled).toBeLessThanOrEqual(o.size)
        if (o.status === 'filled') wasFilled = true
        if (wasFilled) expect(o.status).toBe('filled')
        if (o.status === 'rejected' && !o.rejectionInferred) explicitReject = true
        if (explicitReject) expect(o.status).toBe('rejected')
        if (!allowRejection) expect(o.status).not.toBe('rejected')
      }
    }
  })
})

describe('submitEvent on the recorded batch answer', () => {
  test('each element of http_batch_order_response.json: accepted, refused for balance, refused for crossing', async () => {
    const raw: unknown = await Bun.file(
      `${import.meta.dir}/../../../tests/fixtures/wire/http_batch_order_response.json`,
    ).json()
    if (!Array.isArray(raw)) throw new Error('fixture is not an array')
    const events = raw.map((body) => submitEvent({ kind: 'response', httpStatus: 200, body }, 'BUY'))
    expect(events).toEqual([
      { kind: 'submit-accepted', status: 'live' },
      { kind: 'submit-rejected', reason: 'not enough balance / allowance' },
      { kind: 'submit-rejected', reason: 'invalid post-only order: order crosses book' },
    ])
  })
})

describe('prefixed exchange statuses (protocol doc §7.4)', () => {
  const unknown = () => run(order(), [{ kind: 'submit-ambiguous', reason: 'timeout' }]).order
  const rest = (status: string, sizeMatched = 0): OrderEvent => ({ kind: 'rest-order', order: { status, sizeMatched } })

  test('GET /data/order ORDER_STATUS_LIVE, _MATCHED, _CANCELED settle an unknown order as their plain forms do', () => {
    expect(run(unknown(), [rest('ORDER_STATUS_LIVE')]).order.status).toBe('live')
    expect(run(unknown(), [rest('ORDER_STATUS_MATCHED', 10)]).order.status).toBe('filled')
    expect(run(unknown(), [rest('ORDER_STATUS_CANCELED')]).order.status).toBe('cancelled')
    expect(run(unknown(), [rest('ORDER_STATUS_CANCELED_MARKET_RESOLVED', 4)]).order).toMatchObject({
      status: 'cancelled',
      filled: 4,
    })
    expect(run(unknown(), [rest('ORDER_STATUS_INVALID')]).order.status).toBe('cancelled')
  })

  test('a user-channel cancel with the prefixed status cancels', () => {
    const live = run(order(), [placement]).order
    const e: OrderEvent = { kind: 'order-event', type: 'UPDATE', status: 'ORDER_STATUS_CANCELED', sizeMatched: 0 }
    expect(run(live, [e]).order.status).toBe('cancelled')
  })

  test('DELAYED leaves the order as it is, silently; an unknown word leaves it tracked and says so', () => {
    expect(run(unknown(), [rest('ORDER_STATUS_DELAYED')])).toMatchObject({ order: { status: 'unknown' }, illegal: [] })
    const r = run(unknown(), [rest('ORDER_STATUS_SOMETHING_NEW')])
    expect(r.order.status).toBe('unknown')
    expect(isOpen(r.order.status)).toBe(true)
    expect(r.illegal[0]).toContain('unknown order status "ORDER_STATUS_SOMETHING_NEW"')
    // Once the exchange answers with a word we know, the order moves on.
    expect(run(r.order, [rest('ORDER_STATUS_LIVE')]).order.status).toBe('live')
  })
})
