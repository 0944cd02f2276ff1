import { keccak_256 } from '@noble/hashes/sha3.js'
import { OrderBuilder, Side } from '@polymarket/clob-client-v2'
import { type TypedDataField, Wallet } from 'ethers'
import { jsCurve, loadNativeCurve } from '../plugins/execute/clob/curve.ts'
import { createFastSigner, exchangeDomain, ORDER_V2_FIELDS, orderHash } from '../plugins/execute/clob/fast-signer.ts'
import { keccak256, keccakBackend } from '../plugins/execute/clob/keccak.ts'
import { createRng } from '../plugins/quoting-math/rng.ts'
import { type BenchResult, measure, measureAsync } from './types.ts'

/**
 * EIP-712 order signing (hash + signature, the order id returned with it), side by side in one run on the same
 * random V2 orders: ethers v6 `Wallet.signTypedData` (the official path), the project's signer on native
 * libsecp256k1, and the same signer on its pure-JS fallback (@noble/secp256k1). Target: native p50 ≤ 50 µs.
 * Also the parts: the order id alone, the curve alone, and Keccak in WebAssembly vs pure JS.
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

export default async function (): Promise<BenchResult[]> {
  const native = loadNativeCurve()
  if (native instanceof Error) throw new Error(`native libsecp256k1 did not load: ${native.message}`)
  const wallet = new Wallet(KEY)
  const fast = createFastSigner(KEY, { curve: native })
  const js = createFastSigner(KEY, { curve: jsCurve() })
  const domain = exchangeDomain(137, false)
  const negRisk = exchangeDomain(137, true)
  const v3 = exchangeDomain(137, false, 3)
  const orders = randomOrders(4096, fast.address)
  const ethersTypes: Record<string, TypedDataField[]> = { Order: ORDER_V2_FIELDS.map((f) => ({ ...f })) }
  const at = (i: number) => orders[i & 4095] as (typeof orders)[number]
  const dom = (i: number) => (i & 1 ? negRisk : domain)

  // All three on the same inputs: check they agree before timing anything.
  for (let i = 0; i < 64; i++) {
    const expected = await wallet.signTypedData(dom(i), ethersTypes, at(i))
    if (fast.signOrder(at(i), dom(i)).signature !== expected || js.signOrder(at(i), dom(i)).signature !== expected) {
      throw new Error('the fast signer disagrees with ethers')
    }
  }

  const ethers = await measureAsync('sign order: ethers v6 Wallet.signTypedData', 3000, (i) =>
    wallet.signTypedData(dom(i), ethersTypes, at(i)),
  )
  const nativeRow = measure(`sign order: signOrder, ${native.name}`, 20_000, (i) => {
    fast.signOrder(at(i), dom(i))
  })
  const jsRow = measure(`sign order: signOrder, ${js.curve} fallback`, 6000, (i) => {
    js.signOrder(at(i), dom(i))
  })
  const v3Row = measure('sign order for ExchangeV3 (Protocol V2 market), native', 20_000, (i) => {
    fast.signOrder(at(i), v3)
  })
  const viaClient = await measureAsync('sign order: _signTypedData (client path), native', 6000, (i) =>
    fast._signTypedData(dom(i), ethersTypes, at(i)),
  )
  const hash = measure(`orderHash (order id) alone, ${keccakBackend.name}`, 50_000, (i) => {
    orderHash(at(i), dom(i))
  })
  const digest = new Uint8Array(32)
  const key = Uint8Array.from(Buffer.from(KEY.slice(2), 'hex'))
  const curveNative = measure('curve alone: libsecp256k1 sign (native)', 20_000, (i) => {
    digest[0] = i & 255
    digest[1] = (i >> 8) & 255
    native.sign(digest, key)
  })
  const noble = jsCurve()
  const curveJs = measure('curve alone: @noble/secp256k1 sign (pure JS)', 6000, (i) => {
    digest[0] = i & 255
    digest[1] = (i >> 8) & 255
    noble.sign(digest, key)
  })
  const struct = new Uint8Array(384)
  const prefixed = new Uint8Array(66)
  const keccakWasm = measure('Keccak of one order (384 + 66 bytes): hash-wasm', 50_000, (i) => {
    struct[40] = i & 255
    keccak256(struct)
    keccak256(prefixed)
  })
  const keccakJs = measure('Keccak of one order (384 + 66 bytes): @noble/hashes', 50_000, (i) => {
    struct[40] = i & 255
    keccak_256(struct)
    keccak_256(prefixed)
  })
  const builder = new OrderBuilder(fast, 137, 0)
  const built = await measureAsync('client OrderBuilder.buildOrder with the fast signer', 3000, (i) =>
    builder.buildOrder(
      { tokenID: at(i).tokenId, price: 0.01 * (1 + (i % 98)), size: 5 + (i % 50), side: i & 1 ? Side.SELL : Side.BUY },
      { tickSize: '0.01', negRisk: (i & 2) === 2 },
      2,
    ),
  )
  const ratio = (r: BenchResult) => `${(ethers.medianUs / r.medianUs).toFixed(1)}× faster`
  const vs = (r: BenchResult, base: BenchResult) => `${(base.medianUs / r.medianUs).toFixed(1)}×`
  return [
    { ...ethers, ratio: '1×', note: 'baseline, same run' },
    { ...nativeRow, ratio: ratio(nativeRow), note: 'target p50 ≤ 50 µs; byte-identical to ethers' },
    { ...jsRow, ratio: ratio(jsRow), note: 'when the native binding cannot load; byte-identical' },
    { ...v3Row, ratio: ratio(v3Row), note: 'domain version 3, the one ExchangeV3' },
    { ...viaClient, ratio: ratio(viaClient), note: 'what the client calls when it builds orders itself' },
    { ...hash, ratio: ratio(hash), note: 'EIP-712 hash with cached type hash and domain separator' },
    { ...curveNative, ratio: `${vs(curveNative, curveJs)} the JS curve`, note: 'RFC 6979 + ECDSA, no hashing' },
    { ...curveJs, note: 'node:crypto HMAC for RFC 6979' },
    { ...keccakWasm, ratio: `${vs(keccakWasm, keccakJs)} pure JS`, note: '4 Keccak-f permutations' },
    { ...keccakJs, note: 'what the order hash cost before' },
    { ...built, ratio: ratio(built), note: 'amounts + salt + sign inside the client' },
  ]
}
