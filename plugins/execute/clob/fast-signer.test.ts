import { describe, expect, spyOn, test } from 'bun:test'
import { getContractConfig, OrderBuilder, Side, SignatureTypeV2 } from '@polymarket/clob-client-v2'
import { type TypedDataField as EthersField, TypedDataEncoder, verifyTypedData, Wallet } from 'ethers'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { createRng } from '../../quoting-math/rng.ts'
import { jsCurve, loadNativeCurve } from './curve.ts'
import {
  checksumAddress,
  createFastSigner,
  exchangeDomain,
  ORDER_V1_FIELDS,
  ORDER_V2_FIELDS,
  orderHash,
  type TypedDataDomain,
  type TypedDataTypes,
  type TypedDataValue,
} from './fast-signer.ts'

function randomHex(r: () => number, bytes: number): string {
  let s = '0x'
  for (let i = 0; i < bytes; i++)
    s += Math.floor(r() * 256)
      .toString(16)
      .padStart(2, '0')
  return s
}

function randomUint(r: () => number, maxBytes: number): string {
  const n = 1 + Math.floor(r() * maxBytes)
  return BigInt(randomHex(r, n)).toString()
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T
}

const CLOB_AUTH_MESSAGE = 'This message attests that I control the given wallet'
const CLOB_AUTH_TYPES: TypedDataTypes = {
  ClobAuth: [
    { name: 'address', type: 'address' },
    { name: 'timestamp', type: 'string' },
    { name: 'nonce', type: 'uint256' },
    { name: 'message', type: 'string' },
  ],
}
const clobAuthDomain = (chainId: number): TypedDataDomain => ({ name: 'ClobAuthDomain', version: '1', chainId })
/** The ERC-7739 wrapper the client signs for a POLY_1271 order (exchangeOrderBuilderV2). */
const TYPED_DATA_SIGN_TYPES: TypedDataTypes = {
  TypedDataSign: [
    { name: 'contents', type: 'Order' },
    { name: 'name', type: 'string' },
    { name: 'version', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'verifyingContract', type: 'address' },
    { name: 'salt', type: 'bytes32' },
  ],
  Order: ORDER_V2_FIELDS,
}

const KEYS = Array.from({ length: 6 }, (_, i) => randomHex(createRng(1000 + i), 32))
const WALLETS = KEYS.map((k) => ({ ethers: new Wallet(k), fast: createFastSigner(k) }))

// ethers wants mutable field arrays; ours are readonly constants.
function ethersTypes(types: TypedDataTypes): Record<string, EthersField[]> {
  return Object.fromEntries(Object.entries(types).map(([k, v]) => [k, v.map((f) => ({ ...f }))]))
}

function randomAddressForm(r: () => number, address: string): string {
  const form = Math.floor(r() * 3)
  if (form === 0) return address
  if (form === 1) return address.toLowerCase()
  return `0x${address.slice(2).toUpperCase()}`
}

const DOMAINS = [
  exchangeDomain(137, false),
  exchangeDomain(137, true),
  exchangeDomain(80002, false),
  exchangeDomain(80002, true),
]

function randomOrderV2(r: () => number, signerAddress: string): TypedDataValue {
  const funder = new Wallet(randomHex(r, 32)).address
  const maker = r() < 0.5 ? signerAddress : funder
  const signatureType = Math.floor(r() * 4)
  return {
    salt: r() < 0.5 ? String(Math.round(r() * Date.now())) : randomUint(r, 32),
    maker: randomAddressForm(r, maker),
    signer: randomAddressForm(r, signatureType === 3 ? maker : signerAddress),
    tokenId: randomUint(r, 32),
    makerAmount: randomUint(r, 8),
    takerAmount: randomUint(r, 8),
    side: r() < 0.5 ? 0 : 1,
    signatureType: r() < 0.5 ? signatureType : String(signatureType),
    timestamp: String(1_700_000_000_000 + Math.floor(r() * 1e11)),
    metadata: r() < 0.5 ? `0x${'0'.repeat(64)}` : randomHex(r, 32),
    builder: r() < 0.5 ? `0x${'0'.repeat(64)}` : randomHex(r, 32),
    expiration: '0',
  }
}

function randomOrderV1(r: () => number, signerAddress: string): TypedDataValue {
  return {
    salt: String(Math.round(r() * Date.now())),
    maker: signerAddress,
    signer: signerAddress,
    taker: r() < 0.7 ? '0x0000000000000000000000000000000000000000' : new Wallet(randomHex(r, 32)).address,
    tokenId: randomUint(r, 32),
    makerAmount: randomUint(r, 8),
    takerAmount: randomUint(r, 8),
    expiration: r() < 0.5 ? '0' : String(1_700_000_000 + Math.floor(r() * 1e8)),
    nonce: String(Math.floor(r() * 10)),
    feeRateBps: String(Math.floor(r() * 200)),
    side: r() < 0.5 ? 0 : 1,
    signatureType: Math.floor(r() * 3),
  }
}

describe('fast signer vs ethers v6 Wallet.signTypedData', () => {
  test('2,000 random V2 orders over both exchanges, both chains and all four signature types', async () => {
    const r = createRng(42)
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const w = pick(r, WALLETS)
      const domain = pick(r, DOMAINS)
      const order = randomOrderV2(r, w.fast.address)
      const types = { Order: ORDER_V2_FIELDS }
      const expected = await w.ethers.signTypedData(domain, ethersTypes(types), order)
      expect(await w.fast._signTypedData(domain, types, order)).toBe(expected)
      expect(orderHash(order as never, domain)).toBe(TypedDataEncoder.hash(domain, ethersTypes(types), order))
      seen.add(`${domain.verifyingContract}/${domain.chainId}/${typeof order.signatureType}:${order.signatureType}`)
    }
    // 4 domains x 4 signature types, each given both as number and as string.
    expect(seen.size).toBe(32)
  }, 30_000)

  test('400 random V1 orders (domain version 1, both V1 exchanges)', async () => {
    const r = createRng(7)
    const domains = [exchangeDomain(137, false, 1), exchangeDomain(137, true, 1), exchangeDomain(80002, false, 1)]
    for (let i = 0; i < 400; i++) {
      const w = pick(r, WALLETS)
      const domain = pick(r, domains)
      const order = randomOrderV1(r, w.fast.address)
      const types = { Order: ORDER_V1_FIELDS }
      expect(await w.fast._signTypedData(domain, types, order)).toBe(
        await w.ethers.signTypedData(domain, ethersTypes(types), order),
      )
      expect(orderHash(order as never, domain)).toBe(TypedDataEncoder.hash(domain, ethersTypes(types), order))
    }
  }, 30_000)

  test('200 random ClobAuth (L1) messages', async () => {
    const r = createRng(9)
    for (let i = 0; i < 200; i++) {
      const w = pick(r, WALLETS)
      const domain = clobAuthDomain(pick(r, [137, 80002]))
      const value = {
        address: w.fast.address,
        timestamp: String(1_700_000_000 + Math.floor(r() * 1e8)),
        nonce: Math.floor(r() * 1000),
        message: CLOB_AUTH_MESSAGE,
      }
      const types = CLOB_AUTH_TYPES
      expect(await w.fast._signTypedData(domain, types, value)).toBe(
        await w.ethers.signTypedData(domain, ethersTypes(types), value),
      )
    }
  })

  test('the address is the one ethers derives', () => {
    for (const w of WALLETS) expect(w.fast.address).toBe(w.ethers.address)
    expect(createFastSigner(KEYS[0]?.slice(2) ?? '').address).toBe(WALLETS[0]?.ethers.address ?? '')
  })

  test('signOrder returns the order id and the same signature as _signTypedData', async () => {
    const w = WALLETS[0]
    if (!w) throw new Error('no wallet')
    const order = randomOrderV2(createRng(3), w.fast.address)
    const domain = exchangeDomain(137, true)
    const { hash, signature } = w.fast.signOrder(order as never, domain)
    expect(hash).toBe(orderHash(order as never, domain))
    expect(signature).toBe(await w.fast._signTypedData(domain, { Order: ORDER_V2_FIELDS }, order))
  })
})

describe('published test vectors', () => {
  test('ClobAuth L1 signature (clob-client tests/signing/eip712.test.ts)', async () => {
    const signer = createFastSigner('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
    const sig = await signer._signTypedData(clobAuthDomain(80002), CLOB_AUTH_TYPES, {
      address: signer.address,
      timestamp: '10000000',
      nonce: 23,
      message: CLOB_AUTH_MESSAGE,
    })
    expect(sig).toBe(
      '0xf62319a987514da40e57e2f4d7529f7bac38f0355bd88bb5adbb3768d80de6c1682518e0af677d5260366425f4361e7b70c25ae232aff0ab2331e2b164a1aedc1b',
    )
  })

  test('V1 order hash (clob-client tests/order-utils/exchange.order.builder.test.ts)', () => {
    const hash = orderHash(
      {
        salt: '1',
        maker: '0x1111111111111111111111111111111111111111',
        signer: '0x1111111111111111111111111111111111111111',
        taker: '0x0000000000000000000000000000000000000000',
        tokenId: '101',
        makerAmount: '1000000',
        takerAmount: '2000000',
        expiration: '0',
        nonce: '2',
        feeRateBps: '0',
        side: 0,
        signatureType: 0,
      },
      { name: 'Polymarket CTF Exchange', version: '1', chainId: 137, verifyingContract: `0x${'0'.repeat(39)}1` },
    )
    expect(hash).toBe('0xeb162c6cc7aa28ad096a7c40fb9556d41fa1730d71103ba7103589ae1f18d942')
  })

  test('exchange domains use the client config addresses', () => {
    const c = getContractConfig(137)
    expect(exchangeDomain(137, false).verifyingContract).toBe(c.exchangeV2)
    expect(exchangeDomain(137, true).verifyingContract).toBe(c.negRiskExchangeV2)
    expect(exchangeDomain(137, false).verifyingContract).toBe('0xE111180000d2663C0091e4f400237545B87B996B')
    expect(exchangeDomain(137, true).verifyingContract).toBe('0xe2222d279d744050d28e00520010520000310F59')
    expect(exchangeDomain(137, true, 1).verifyingContract).toBe(c.negRiskExchange)
    expect(exchangeDomain(137, false, 3)).toEqual({
      name: 'Polymarket CTF Exchange',
      version: '3',
      chainId: 137,
      verifyingContract: '0xe3333700cA9d93003F00f0F71f8515005F6c00Aa',
    })
    // One ExchangeV3: no neg-risk variant (protocol doc §7.1).
    expect(exchangeDomain(137, true, 3)).toEqual(exchangeDomain(137, false, 3))
    expect(exchangeDomain(80002, false, 3).verifyingContract).toBe('0x9fE6e61422AdB6F610d8597F9684b16912D50C3D')
  })
})

describe('typed data other than orders goes to ethers', () => {
  test('the POLY_1271 TypedDataSign wrapper around an Order, as the client asks for it', async () => {
    const w = WALLETS[1]
    if (!w) throw new Error('no wallet')
    const value = {
      contents: randomOrderV2(createRng(5), w.fast.address),
      name: 'DepositWallet',
      version: '1',
      chainId: 137,
      verifyingContract: w.fast.address,
      salt: `0x${'0'.repeat(64)}`,
    }
    const domain = exchangeDomain(137, false)
    expect(await w.fast._signTypedData(domain, TYPED_DATA_SIGN_TYPES, value)).toBe(
      await w.ethers.signTypedData(domain, ethersTypes(TYPED_DATA_SIGN_TYPES), value),
    )
  })

  test('an EIP712Domain entry in types is ignored, as viem-style callers include it', async () => {
    const w = WALLETS[2]
    if (!w) throw new Error('no wallet')
    const domain = exchangeDomain(137, false)
    const order = randomOrderV2(createRng(6), w.fast.address)
    const withDomain = {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Order: ORDER_V2_FIELDS,
    }
    expect(await w.fast._signTypedData(domain, withDomain, order)).toBe(
      await w.fast._signTypedData(domain, { Order: ORDER_V2_FIELDS }, order),
    )
    expect(await w.fast._signTypedData(domain, { ...withDomain, Order: ORDER_V2_FIELDS }, order)).toBe(
      await w.ethers.signTypedData(domain, ethersTypes({ Order: ORDER_V2_FIELDS }), order),
    )
  })
})

describe('refuses what ethers refuses', () => {
  const w = WALLETS[0] as (typeof WALLETS)[number]
  const domain = exchangeDomain(137, false)
  const good = randomOrderV2(createRng(8), w.fast.address)
  // Flip the case of the first letter: still mixed case, no longer the EIP-55 checksum.
  const letter = w.fast.address.slice(2).search(/[a-fA-F]/) + 2
  const flipped = w.fast.address.charAt(letter)
  const badChecksum =
    w.fast.address.slice(0, letter) +
    (flipped === flipped.toUpperCase() ? flipped.toLowerCase() : flipped.toUpperCase()) +
    w.fast.address.slice(letter + 1)
  const cases: [string, TypedDataDomain, TypedDataTypes, TypedDataValue][] = [
    ['uint8 side out of range', domain, { Order: ORDER_V2_FIELDS }, { ...good, side: 256 }],
    ['negative uint', domain, { Order: ORDER_V2_FIELDS }, { ...good, salt: '-1' }],
    ['fractional number', domain, { Order: ORDER_V2_FIELDS }, { ...good, signatureType: 1.5 }],
    ['uint256 overflow', domain, { Order: ORDER_V2_FIELDS }, { ...good, tokenId: (1n << 256n).toString() }],
    ['non-numeric string', domain, { Order: ORDER_V2_FIELDS }, { ...good, makerAmount: '12abc' }],
    ['empty string number', domain, { Order: ORDER_V2_FIELDS }, { ...good, takerAmount: '' }],
    ['missing field', domain, { Order: ORDER_V2_FIELDS }, { ...good, timestamp: undefined }],
    ['bytes32 too short', domain, { Order: ORDER_V2_FIELDS }, { ...good, metadata: '0x1234' }],
    ['bytes32 bad hex', domain, { Order: ORDER_V2_FIELDS }, { ...good, builder: `0x${'zz'.repeat(32)}` }],
    ['bad address checksum', domain, { Order: ORDER_V2_FIELDS }, { ...good, maker: badChecksum }],
    ['short address', domain, { Order: ORDER_V2_FIELDS }, { ...good, signer: '0x1234' }],
    ['unknown domain key', { ...domain, foo: 'x' } as TypedDataDomain, { Order: ORDER_V2_FIELDS }, good],
    ['domain chainId not a number', { ...domain, chainId: 'abc' }, { Order: ORDER_V2_FIELDS }, good],
    ['ambiguous primary type', domain, { Order: ORDER_V2_FIELDS, Other: CLOB_AUTH_TYPES.ClobAuth ?? [] }, good],
    ['unknown type', domain, { Thing: [{ name: 'a', type: 'Missing' }] }, { a: 1 }],
    ['bad numeric width', domain, { Thing: [{ name: 'a', type: 'uint7' }] }, { a: 1 }],
    ['lone surrogate', domain, { Thing: [{ name: 'a', type: 'string' }] }, { a: '\ud800' }],
    ['fixed array length', domain, { Thing: [{ name: 'a', type: 'uint8[2]' }] }, { a: [1, 2, 3] }],
  ]
  for (const [name, d, types, value] of cases) {
    test(name, async () => {
      let ethersThrew = false
      try {
        await w.ethers.signTypedData(d as never, ethersTypes(types), value)
      } catch {
        ethersThrew = true
      }
      expect(ethersThrew).toBe(true)
      expect(w.fast._signTypedData(d, types, value)).rejects.toThrow()
      if (Object.keys(types).length === 1 && types.Order) expect(() => w.fast.signOrder(value as never, d)).toThrow()
    })
  }

  test('checksumAddress accepts what getAddress accepts', () => {
    expect(checksumAddress(w.fast.address.toLowerCase())).toBe(w.fast.address)
    expect(checksumAddress(w.fast.address.slice(2))).toBe(w.fast.address)
    expect(() => checksumAddress(badChecksum)).toThrow()
  })

  test('invalid private keys are refused', () => {
    expect(() => createFastSigner('0x1234')).toThrow()
    expect(() => createFastSigner(`0x${'0'.repeat(64)}`)).toThrow()
    expect(() => createFastSigner(`0x${'f'.repeat(64)}`)).toThrow()
  })
})

// ---- through the client's own order builder -------------------------------------------------------------------

/** An ethers v6 Wallet wrapped in the ethers-v5 shape the client expects: the reference signer. */
function wrapEthers(w: Wallet) {
  return {
    _signTypedData: (
      d: Record<string, unknown>,
      t: Record<string, { name: string; type: string }[]>,
      v: TypedDataValue,
    ) => w.signTypedData(d, t, v),
    getAddress: () => Promise.resolve(w.address),
  }
}

describe('as the signer of @polymarket/clob-client-v2', () => {
  test('the client builds identical signed orders with the fast signer and with ethers, for every signature type and exchange (V2, neg-risk V2, ExchangeV3)', async () => {
    const w = WALLETS[3] as (typeof WALLETS)[number]
    const funder = new Wallet(randomHex(createRng(77), 32)).address
    const random = spyOn(Math, 'random')
    const now = spyOn(Date, 'now')
    try {
      for (const sigType of [
        SignatureTypeV2.EOA,
        SignatureTypeV2.POLY_PROXY,
        SignatureTypeV2.POLY_GNOSIS_SAFE,
        SignatureTypeV2.POLY_1271,
      ]) {
        for (const [negRisk, version] of [
          [false, 2],
          [true, 2],
          [false, 3],
          [true, 3],
        ] as const) {
          for (const [side, price, size, tickSize] of [
            [Side.BUY, 0.53, 21.04, '0.01'],
            [Side.SELL, 0.071, 100, '0.001'],
          ] as const) {
            random.mockReturnValue(0.123456)
            now.mockReturnValue(1_760_000_000_000)
            const userOrder = { tokenID: randomUint(createRng(sigType), 32), price, size, side }
            const funderFor = sigType === SignatureTypeV2.EOA ? undefined : funder
            const fast = await new OrderBuilder(w.fast, 137, sigType, funderFor).buildOrder(
              userOrder,
              { tickSize, negRisk },
              version,
            )
            const ref = await new OrderBuilder(wrapEthers(w.ethers), 137, sigType, funderFor).buildOrder(
              userOrder,
              { tickSize, negRisk },
              version,
            )
            expect(fast).toEqual(ref)
            const domain = exchangeDomain(137, negRisk, version)
            // signOrder alone gives the signature the client puts on the wire, POLY_1271 wrapping included.
            const { signature, ...unsigned } = fast
            const own = w.fast.signOrder(unsigned, domain)
            expect(own.signature).toBe(signature)
            expect(own.hash).toBe(orderHash(unsigned, domain))
            if (sigType === SignatureTypeV2.POLY_1271) expect(signature.length).toBeGreaterThan(132)
            if (sigType !== SignatureTypeV2.POLY_1271) {
              // The signature recovers to our address over the order id computed locally.
              const types = { Order: ORDER_V2_FIELDS.map((f) => ({ ...f })) }
              const message = { ...fast, side: fast.side === Side.BUY ? 0 : 1 }
              expect(verifyTypedData(domain, types, message, fast.signature)).toBe(w.fast.address)
              expect(orderHash(fast as never, domain)).toBe(TypedDataEncoder.hash(domain, types, message))
            }
          }
        }
      }
    } finally {
      random.mockRestore()
      now.mockRestore()
    }
  })
})

describe('ExchangeV3 (Protocol V2 markets, protocol doc §7.1)', () => {
  test("600 random orders: signOrder equals the client's own V3 builder (createOrder, version 3) byte for byte", async () => {
    const r = createRng(303)
    const random = spyOn(Math, 'random')
    const now = spyOn(Date, 'now')
    try {
      for (let i = 0; i < 600; i++) {
        const w = pick(r, WALLETS)
        const sigType = pick(r, [SignatureTypeV2.EOA, SignatureTypeV2.POLY_PROXY, SignatureTypeV2.POLY_GNOSIS_SAFE])
        const funder = sigType === SignatureTypeV2.EOA ? undefined : new Wallet(randomHex(r, 32)).address
        const tickSize = pick(r, ['0.1', '0.01', '0.001', '0.0001'] as const)
        const tick = Number(tickSize)
        const price = Math.max(tick, Math.round((0.02 + r() * 0.96) / tick) * tick)
        const userOrder = {
          tokenID: randomUint(r, 32),
          price: Number(price.toFixed(4)),
          size: Math.round((5 + r() * 500) * 100) / 100,
          side: r() < 0.5 ? Side.BUY : Side.SELL,
        }
        random.mockReturnValue(r())
        now.mockReturnValue(1_760_000_000_000 + Math.floor(r() * 1e9))
        const theirs = await new OrderBuilder(w.fast, 137, sigType, funder).buildOrder(
          userOrder,
          { tickSize, negRisk: r() < 0.5 },
          3,
        )
        const { signature, ...unsigned } = theirs
        const domain = exchangeDomain(137, false, 3)
        const ours = w.fast.signOrder(unsigned, domain)
        expect(ours.signature).toBe(signature)
        const types = { Order: ORDER_V2_FIELDS.map((f) => ({ ...f })) }
        const message = { ...theirs, side: theirs.side === Side.BUY ? 0 : 1 }
        expect(ours.hash).toBe(TypedDataEncoder.hash(domain, types, message))
        expect(verifyTypedData(domain, types, message, signature)).toBe(w.fast.address)
        // Not valid for the V2 exchange: the domain is what makes it a V3 order.
        expect(ours.hash).not.toBe(orderHash(unsigned, exchangeDomain(137, false, 2)))
      }
    } finally {
      random.mockRestore()
      now.mockRestore()
    }
  }, 30_000)
})

describe('the curves: libsecp256k1 (native) and the pure-JS fallback', () => {
  test('the native binding loads here (a prebuilt binary in its npm package)', () => {
    const native = loadNativeCurve()
    expect(native instanceof Error ? native.message : native.name).toContain('libsecp256k1')
    expect(createFastSigner(KEYS[0] as string).curve).toContain('libsecp256k1')
  })

  test('native, JS fallback and ethers give the same signatures over 500 random digests', async () => {
    const native = loadNativeCurve()
    if (native instanceof Error) throw native
    const r = createRng(55)
    for (let i = 0; i < 500; i++) {
      const key = pick(r, KEYS)
      const n = createFastSigner(key, { curve: native })
      const js = createFastSigner(key, { curve: jsCurve() })
      const digest = Uint8Array.from(Buffer.from(randomHex(r, 32).slice(2), 'hex'))
      const expected = new Wallet(key).signingKey.sign(digest).serialized
      expect(n.signDigest(digest)).toBe(expected)
      expect(js.signDigest(digest)).toBe(expected)
      expect(js.address).toBe(n.address)
    }
  })

  test('which curve signs is said once, through the logger given', () => {
    const { log, lines } = createMemoryLogger()
    createFastSigner(KEYS[0] as string, { log })
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain('order signing: libsecp256k1')
    const fallback = createMemoryLogger()
    createFastSigner(KEYS[0] as string, { log: fallback.log, curve: jsCurve() })
    expect(fallback.lines[0]).toContain('@noble/secp256k1')
  })
})
