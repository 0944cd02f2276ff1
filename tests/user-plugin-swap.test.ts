import { afterEach, expect, test } from 'bun:test'
import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { builtins } from '../plugins/index.ts'
import { nullExchange } from './fixtures/null-exchange.ts'
import { probe, probes, testBuiltins } from './fixtures/test-plugins.ts'

/** Issue 5: a user's fair-value plugin from a file replaces the built-in through YAML; the real chain after it is unchanged. */
const cid = `0x${'0'.repeat(63)}3`
const all = [...testBuiltins, ...builtins]
let daemon: Daemon | undefined

afterEach(async () => {
  await daemon?.stop('test end')
  probes.clear()
})

function yaml(fair: string): string {
  return `server: { enabled: false }
pipeline:
  source: [ { use: test-source, with: { probe: swap } } ]
  enrich: [ { use: test-enrich } ]
  book: { use: test-book, with: { probe: swap } }
  fair-value: ${fair}
  spread: { use: vol-spread }
  skew: { use: inventory-skew }
  risk: [ { use: test-risk } ]
  layer: { use: layered, with: { jitter: 0 } }
  execute: { use: test-execute, with: { probe: swap } }
`
}

async function run(fair: string) {
  const p = probe('swap')
  p.rows = [{ token1: '31', token2: '32', condition_id: cid }]
  p.mids.set(cid, 0.5)
  const res = await loadConfigText(yaml(fair), `${import.meta.dir}/swap.yaml`, { builtins: all, env: {} })
  if (!res.ok) throw new Error(formatIssues('swap.yaml', res.issues))
  daemon = await startDaemon({
    loaded: res.loaded,
    builtins: all,
    log: createMemoryLogger().log,
    exchange: nullExchange,
    clock: createManualClock(),
  })
  await daemon.quotes.idle()
  return { p, state: daemon.quotes.state(cid) }
}

test('the built-in ewma-microprice quotes around the book mid', async () => {
  const { state, p } = await run('{ use: ewma-microprice }')
  expect(state?.fair).toBeCloseTo(0.5, 9)
  expect(p.executed[0]?.orders.length).toBeGreaterThan(0)
})

test('a user plugin file swapped in through YAML sets fair; spread, skew and layers follow it', async () => {
  const { state, p } = await run('{ use: ./fixtures/user-fair-value.ts, with: { value: 0.3 } }')
  expect(state?.fair).toBe(0.3)
  const quote = state?.quote
  expect(quote?.reservation).toBeCloseTo(0.3, 9)
  const orders = p.executed[0]?.orders ?? []
  expect(orders.length).toBeGreaterThan(0)
  // The book's ask is 0.51: a bid around fair 0.3 sits far below it, and every price is on the 0.01 grid.
  for (const o of orders) expect(Math.abs(o.price * 100 - Math.round(o.price * 100))).toBeLessThan(1e-9)
  const yesBids = orders.filter((o) => o.quoteSide === 'bid' && o.side === 'BUY')
  expect(Math.max(...yesBids.map((o) => o.price))).toBeLessThanOrEqual(0.3)
})
