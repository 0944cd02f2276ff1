import { realClock } from '../../pipeline/clock.ts'
import { createTestContext, createTestPlugin } from '../../pipeline/testing.ts'
import clob from '../../plugins/execute/clob/index.ts'
import type { Market } from '../../schemas/domain.ts'
import type { ExecuteHandler } from '../../stages/io.ts'
import { staticBooks } from './harness.ts'

// A daemon stand-in in its own process, so a test can SIGKILL it: places two orders, says READY, then idles.
const env = (k: string) => {
  const v = process.env[k]
  if (!v) throw new Error(`${k} is required`)
  return v
}
const market = JSON.parse(env('MARKET')) as Market
const ctx = createTestContext({
  stage: 'execute',
  plugin: 'clob',
  clock: realClock,
  exchange: { clobUrl: env('CLOB'), wsUrl: env('WS'), dataApiUrl: env('DATA_API'), chainId: 137 },
  credentials: { privateKey: env('PK') },
})
const plugin = (await createTestPlugin(clob, { heartbeat_every: '500ms' }, ctx)) as ExecuteHandler
await plugin.start?.()
await plugin.track([market])
const quote = { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 }
const report = await plugin.run({
  market,
  books: staticBooks(market, 0.4, 0.44),
  quote,
  orders: [
    { tokenId: market.yesTokenId, side: 'BUY', price: 0.3, size: 10, layer: 0, quoteSide: 'bid' },
    { tokenId: market.noTokenId, side: 'BUY', price: 0.4, size: 10, layer: 0, quoteSide: 'ask' },
  ],
  now: Date.now(),
})
console.log(`READY ${report.placed}`)
setInterval(() => {}, 1000)
