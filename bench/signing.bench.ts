import { OrderBuilder, Side } from '@polymarket/clob-client-v2'
import { type TypedDataField, Wallet } from 'ethers'
import { createFastSigner, exchangeDomain, ORDER_V2_FIELDS, orderHash } from '../plugins/execute/clob/fast-signer.ts'
import { createRng } from '../plugins/quoting-math/rng.ts'
import { type BenchResult, measure, measureAsync } from './types.ts'

/**
 * EIP-712 order signing: the project's fast signer beside ethers v6 `Wallet.signTypedData` (the official path),
 * measured in the same run on the same random V2 orders, so the ratio holds on any machine. Target: fast signer
 * p50 ≤ 250 µs. Also the order id alone (orderHash) and the client's own order builder driven by the fast signer.
 */

const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'

function randomOrders(n: number, signer: string) {
  const r = createRng(7)
  const digits = (k: number) =>
    Array.from({ length: k }, (_, i) => (i === 0 ? 1 + Math.floor(r() * 9) : Math.floor(r() * 10))).join('')
  return Array.from({ length: n }, () => ({
    salt: String(Math.round(r() * 1.7e12)),
    maker: signer,
    signer,
    tokenId: digits(77),
    makerAmount: String(1_000_000 + Math.floor(r() * 1e9)),
    takerAmount: String(1_000_000 + Math.floor(r() * 1e9)),
    side: (r() < 0.5 ? 0 : 1) as 0 | 1,
    signatureType: 0,
    timestamp: String(1_760_000_000_000 + Math.floor(r() * 1e9)),
    metadata: `0x${'0'.repeat(64)}`,
    builder: `0x${'0'.repeat(64)}`,
  }))
}

/** `measure` for async calls: each call awaited, timed from call to resolution. */
export default async function (): Promise<BenchResult[]> {
  const wallet = new Wallet(KEY)
  const fast = createFastSigner(KEY)
  const domain = exchangeDomain(137, false)
  const negRisk = exchangeDomain(137, true)
  const orders = randomOrders(4096, fast.address)
  const fastTypes = { Order: ORDER_V2_FIELDS }
  const ethersTypes: Record<string, TypedDataField[]> = { Order: ORDER_V2_FIELDS.map((f) => ({ ...f })) }
  const at = (i: number) => orders[i & 4095] as (typeof orders)[number]

  // Both on the same inputs: check they agree before timing anything.
  if ((await wallet.signTypedData(domain, ethersTypes, at(0))) !== fast.signTypedDataSync(domain, fastTypes, at(0))) {
    throw new Error('fast signer disagrees with ethers')
  }

  const ethers = await measureAsync('sign order V2: ethers v6 Wallet.signTypedData', 1500, (i) =>
    wallet.signTypedData(i & 1 ? negRisk : domain, ethersTypes, at(i)),
  )
  const viaClient = await measureAsync('sign order V2: fast signer _signTypedData (client path)', 4000, (i) =>
    fast._signTypedData(i & 1 ? negRisk : domain, fastTypes, at(i)),
  )
  const sync = measure('sign order V2: fast signer signOrder (hash + sign, sync)', 4000, (i) => {
    fast.signOrder(at(i), i & 1 ? negRisk : domain)
  })
  const hash = measure('orderHash (order id) alone', 50_000, (i) => {
    orderHash(at(i), i & 1 ? negRisk : domain)
  })
  const builder = new OrderBuilder(fast, 137, 0)
  const built = await measureAsync('client OrderBuilder.buildOrder with the fast signer', 3000, (i) =>
    builder.buildOrder(
      { tokenID: at(i).tokenId, price: 0.01 * (1 + (i % 98)), size: 5 + (i % 50), side: i & 1 ? Side.SELL : Side.BUY },
      { tickSize: '0.01', negRisk: (i & 2) === 2 },
      2,
    ),
  )
  const ratio = (r: BenchResult) => `${(r.medianUs / ethers.medianUs).toFixed(3)}× ethers`
  return [
    { ...ethers, ratio: '1×', note: 'baseline, same run' },
    { ...viaClient, ratio: ratio(viaClient), note: 'target p50 ≤ 250 µs; byte-identical signatures' },
    { ...sync, ratio: ratio(sync), note: 'returns the order id with the signature' },
    { ...hash, ratio: ratio(hash), note: 'EIP-712 hash with cached type hash and domain separator' },
    { ...built, ratio: ratio(built), note: 'amounts + salt + sign inside the client' },
  ]
}
