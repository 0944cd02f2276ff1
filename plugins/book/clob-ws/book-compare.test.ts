import { expect, test } from 'bun:test'
import { bookDifference, restSignature } from './book-compare.ts'
import { ASK, BID, createOrderBook } from './order-book.ts'
import { BookSummarySchema } from './wire.ts'

const rest = (ts: number, bids: [string, string][], asks: [string, string][]) =>
  BookSummarySchema.parse({
    market: '0x1',
    asset_id: '7',
    timestamp: String(ts),
    bids: bids.map(([price, size]) => ({ price, size })),
    asks: asks.map(([price, size]) => ({ price, size })),
    tick_size: '0.01',
  })

function local() {
  const b = createOrderBook(0.01)
  b.set(BID, 48, 100)
  b.set(BID, 49, 50)
  b.set(ASK, 51, 70)
  return b
}

test('equal books agree; a missing, extra or resized level is named', () => {
  const r = rest(
    1000,
    [
      ['0.48', '100'],
      ['0.49', '50'],
    ],
    [['0.51', '70']],
  )
  expect(bookDifference(local(), r, [])).toBe('')
  expect(bookDifference(local(), rest(1000, [['0.49', '50']], [['0.51', '70']]), [])).toBe(
    'bid 0.48: local 100, REST none',
  )
  expect(
    bookDifference(
      local(),
      rest(
        1000,
        [
          ['0.48', '100'],
          ['0.49', '50'],
          ['0.47', '9'],
        ],
        [['0.51', '70']],
      ),
      [],
    ),
  ).toBe('bid 0.47: local none, REST 9')
  expect(
    bookDifference(
      local(),
      rest(
        1000,
        [
          ['0.48', '100'],
          ['0.49', '50'],
        ],
        [['0.51', '71']],
      ),
      [],
    ),
  ).toBe('ask 0.51: local 70, REST 71')
  expect(bookDifference(local(), { ...r, tick_size: '0.001' }, [])).toBe('tick size: local 0.01, REST 0.001')
})

test('changes received after the snapshot roll it forward; older ones are already in it', () => {
  // REST at ts 1000 still has 0.49×40; the socket then brought 0.49→50 (ts 1001) and a new ask (ts 1000).
  const r = rest(
    1000,
    [
      ['0.48', '100'],
      ['0.49', '40'],
    ],
    [
      ['0.51', '70'],
      ['0.55', '3'],
    ],
  )
  const recorded = [
    { ts: 999, side: BID, price: 0.49, size: 40 }, // older than the snapshot: in it already, not re-applied
    { ts: 1001, side: BID, price: 0.49, size: 50 },
    { ts: 1000, side: ASK, price: 0.55, size: 0 },
  ] as const
  expect(bookDifference(local(), r, recorded)).toBe('')
  expect(bookDifference(local(), r, [])).toBe('bid 0.49: local 50, REST 40')
})

test('the signature tells two REST books apart, whatever their timestamps', () => {
  expect(restSignature(rest(1, [['0.48', '1']], []))).toBe(restSignature(rest(2, [['0.48', '1']], [])))
  expect(restSignature(rest(1, [['0.48', '1']], []))).not.toBe(restSignature(rest(1, [['0.48', '2']], [])))
})
