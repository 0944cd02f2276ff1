import { getContractConfig } from '@polymarket/clob-client-v2'
import { ENCODER, hashText, TypedDataError, toHex, uintWriter, writeAddress, writeBytes32 } from './abi-words.ts'
import { keccak256 } from './keccak.ts'

export { addressOfPublicKey, checksumAddress, hexByte, TypedDataError, toHex } from './abi-words.ts'

/**
 * The EIP-712 hash of a Polymarket order, written by hand for speed and checked byte for byte against ethers
 * (fast-signer.test.ts): type hashes and domain separators are computed once, the order's words are written
 * straight into one buffer. Only the structs the exchanges sign are here (Order V1, Order V2, and the ERC-7739
 * TypedDataSign wrapper of a deposit-wallet order); any other typed data is signed by ethers.
 */

export interface TypedDataDomain {
  readonly name?: string | null
  readonly version?: string | null
  readonly chainId?: number | bigint | string | null
  readonly verifyingContract?: string | null
  readonly salt?: string | null
}

export interface TypedDataField {
  readonly name: string
  readonly type: string
}

/** An order as the client builds it (side 'BUY'/'SELL') or as it is signed (side 0/1). V2 carries timestamp. */
export interface OrderV2Fields {
  readonly salt: string | number | bigint
  readonly maker: string
  readonly signer: string
  readonly tokenId: string | bigint
  readonly makerAmount: string | bigint
  readonly takerAmount: string | bigint
  readonly side: 'BUY' | 'SELL' | 0 | 1
  readonly signatureType: number
  readonly timestamp: string | number | bigint
  readonly metadata: string
  readonly builder: string
}

export interface OrderV1Fields {
  readonly salt: string | number | bigint
  readonly maker: string
  readonly signer: string
  readonly taker: string
  readonly tokenId: string | bigint
  readonly makerAmount: string | bigint
  readonly takerAmount: string | bigint
  readonly expiration: string | number | bigint
  readonly nonce: string | number | bigint
  readonly feeRateBps: string | number | bigint
  readonly side: 'BUY' | 'SELL' | 0 | 1
  readonly signatureType: number
}

export type OrderFields = OrderV2Fields | OrderV1Fields

export const ORDER_V2_FIELDS: readonly TypedDataField[] = [
  { name: 'salt', type: 'uint256' },
  { name: 'maker', type: 'address' },
  { name: 'signer', type: 'address' },
  { name: 'tokenId', type: 'uint256' },
  { name: 'makerAmount', type: 'uint256' },
  { name: 'takerAmount', type: 'uint256' },
  { name: 'side', type: 'uint8' },
  { name: 'signatureType', type: 'uint8' },
  { name: 'timestamp', type: 'uint256' },
  { name: 'metadata', type: 'bytes32' },
  { name: 'builder', type: 'bytes32' },
]

export const ORDER_V1_FIELDS: readonly TypedDataField[] = [
  { name: 'salt', type: 'uint256' },
  { name: 'maker', type: 'address' },
  { name: 'signer', type: 'address' },
  { name: 'taker', type: 'address' },
  { name: 'tokenId', type: 'uint256' },
  { name: 'makerAmount', type: 'uint256' },
  { name: 'takerAmount', type: 'uint256' },
  { name: 'expiration', type: 'uint256' },
  { name: 'nonce', type: 'uint256' },
  { name: 'feeRateBps', type: 'uint256' },
  { name: 'side', type: 'uint8' },
  { name: 'signatureType', type: 'uint8' },
]

export const EXCHANGE_DOMAIN_NAME = 'Polymarket CTF Exchange'

/**
 * Which exchange an order is signed for: 1 = CTFExchange (V1 orders), 2 = CTFExchangeV2 (V2 orders of "v1"
 * markets), 3 = ExchangeV3 (orders of Protocol V2 markets, protocol doc §7.1: one contract, no neg-risk variant).
 */
export type ExchangeVersion = 1 | 2 | 3

/** EIP-712 domain of the exchange an order is signed for (the domain version is the exchange version). */
export function exchangeDomain(chainId: number, negRisk: boolean, version: ExchangeVersion = 2): TypedDataDomain {
  const c = getContractConfig(chainId)
  const verifyingContract =
    version === 3
      ? c.exchangeV3
      : version === 2
        ? negRisk
          ? c.negRiskExchangeV2
          : c.exchangeV2
        : negRisk
          ? c.negRiskExchange
          : c.exchange
  return Object.freeze({ name: EXCHANGE_DOMAIN_NAME, version: String(version), chainId, verifyingContract })
}

// ---- domains --------------------------------------------------------------------------------------------------

/** The EIP712Domain fields, in the order ethers (and the standard) writes them. */
const DOMAIN_FIELDS = ['name', 'version', 'chainId', 'verifyingContract', 'salt'] as const
const DOMAIN_TYPES: Record<(typeof DOMAIN_FIELDS)[number], string> = {
  name: 'string',
  version: 'string',
  chainId: 'uint256',
  verifyingContract: 'address',
  salt: 'bytes32',
}
const DOMAIN_CACHE_MAX = 256
const domainCache = new Map<string, Uint8Array>()
/** Frozen domains only: a mutable one could change after it was cached. */
const byIdentity = new WeakMap<TypedDataDomain, Uint8Array>()
const writeChainId = uintWriter(256, 'EIP712Domain.chainId')

function domainKey(domain: TypedDataDomain): string {
  let key = ''
  const record = domain as Record<string, unknown>
  for (const name in record) {
    const v = record[name]
    if (v == null) continue
    const text = String(v)
    // Length-prefixed, so no value can forge another domain's key.
    key += `${name.length}:${name}${typeof v}${text.length}:${text}`
  }
  return key
}

/** EIP-712 domain separator of the fields the domain has (cached: an order path sees two or three domains). */
export function domainSeparator(domain: TypedDataDomain): Uint8Array {
  // The factory passes the same few domain objects on every order: identity first, then by value.
  const same = byIdentity.get(domain)
  if (same) return same
  const key = domainKey(domain)
  const hit = domainCache.get(key)
  if (hit) {
    if (Object.isFrozen(domain)) byIdentity.set(domain, hit)
    return hit
  }
  const record = domain as Record<string, unknown>
  for (const name in record) {
    if (record[name] != null && !(DOMAIN_FIELDS as readonly string[]).includes(name)) {
      throw new TypedDataError(`invalid typed-data domain key: ${name}`)
    }
  }
  const present = DOMAIN_FIELDS.filter((f) => record[f] != null)
  const typeString = `EIP712Domain(${present.map((f) => `${DOMAIN_TYPES[f]} ${f}`).join(',')})`
  const buf = new Uint8Array(32 * (present.length + 1))
  buf.set(keccak256(ENCODER.encode(typeString)), 0)
  present.forEach((f, i) => {
    const off = 32 * (i + 1)
    const v = record[f]
    if (f === 'name' || f === 'version') {
      if (typeof v !== 'string') throw new TypedDataError(`invalid string value for EIP712Domain.${f}`)
      buf.set(hashText(v), off)
    } else if (f === 'chainId') writeChainId(v, buf, off)
    else if (f === 'verifyingContract') writeAddress(v, buf, off, 'EIP712Domain.verifyingContract')
    else writeBytes32(v, buf, off, 'EIP712Domain.salt')
  })
  const sep = keccak256(buf)
  if (domainCache.size >= DOMAIN_CACHE_MAX) domainCache.clear()
  domainCache.set(key, sep)
  if (Object.isFrozen(domain)) byIdentity.set(domain, sep)
  return sep
}

/** keccak(0x19 0x01 || domain separator || struct hash): what gets signed. */
export function digestOf(domainSep: Uint8Array, structHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(66)
  buf[0] = 0x19
  buf[1] = 0x01
  buf.set(domainSep, 2)
  buf.set(structHash, 34)
  return keccak256(buf)
}

// ---- the order structs ----------------------------------------------------------------------------------------

export const ORDER_V2_TYPE_STRING =
  'Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)'
const ORDER_V2_TYPE_HASH = keccak256(ENCODER.encode(ORDER_V2_TYPE_STRING))
const ORDER_V1_TYPE_HASH = keccak256(
  ENCODER.encode(
    'Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)',
  ),
)
const writeU256 = uintWriter(256, 'Order uint256')
const writeU8 = uintWriter(8, 'Order uint8')

export function sideValue(side: unknown): unknown {
  if (side === 'BUY') return 0
  if (side === 'SELL') return 1
  return side
}

function orderRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new TypedDataError('expected an order object')
  return value as Record<string, unknown>
}

export function hashOrderV2Struct(value: unknown): Uint8Array {
  const o = orderRecord(value)
  const buf = new Uint8Array(384)
  buf.set(ORDER_V2_TYPE_HASH, 0)
  writeU256(o.salt, buf, 32)
  writeAddress(o.maker, buf, 64, 'Order.maker')
  writeAddress(o.signer, buf, 96, 'Order.signer')
  writeU256(o.tokenId, buf, 128)
  writeU256(o.makerAmount, buf, 160)
  writeU256(o.takerAmount, buf, 192)
  writeU8(sideValue(o.side), buf, 224)
  writeU8(o.signatureType, buf, 256)
  writeU256(o.timestamp, buf, 288)
  writeBytes32(o.metadata, buf, 320, 'Order.metadata')
  writeBytes32(o.builder, buf, 352, 'Order.builder')
  return keccak256(buf)
}

export function hashOrderV1Struct(value: unknown): Uint8Array {
  const o = orderRecord(value)
  const buf = new Uint8Array(416)
  buf.set(ORDER_V1_TYPE_HASH, 0)
  writeU256(o.salt, buf, 32)
  writeAddress(o.maker, buf, 64, 'Order.maker')
  writeAddress(o.signer, buf, 96, 'Order.signer')
  writeAddress(o.taker, buf, 128, 'Order.taker')
  writeU256(o.tokenId, buf, 160)
  writeU256(o.makerAmount, buf, 192)
  writeU256(o.takerAmount, buf, 224)
  writeU256(o.expiration, buf, 256)
  writeU256(o.nonce, buf, 288)
  writeU256(o.feeRateBps, buf, 320)
  writeU8(sideValue(o.side), buf, 352)
  writeU8(o.signatureType, buf, 384)
  return keccak256(buf)
}

export function isV2(order: OrderFields): order is OrderV2Fields {
  return 'timestamp' in order && 'metadata' in order && 'builder' in order
}

/** The order's struct hash, V2 when it has timestamp/metadata/builder, else V1. */
export function orderStructHash(order: OrderFields): Uint8Array {
  return isV2(order) ? hashOrderV2Struct(order) : hashOrderV1Struct(order)
}

/**
 * The order id: EIP-712 hash of the order under `domain` (see `exchangeDomain`). Computed locally, so events can
 * be attached to an order whose submit outcome is unknown. A POLY_1271 order's id is this same hash.
 */
export function orderHash(order: OrderFields, domain: TypedDataDomain): string {
  // The domain first, as ethers does, so a bad domain is reported before a bad value.
  const sep = domainSeparator(domain)
  return toHex(digestOf(sep, orderStructHash(order)))
}

// ---- the deposit-wallet (POLY_1271) wrapper -------------------------------------------------------------------

/**
 * TypedDataSign{contents: Order, name, version, chainId, verifyingContract, salt}: the ERC-7739 struct a
 * deposit wallet's owner signs (client exchangeOrderBuilderV2), with the wallet's own domain fields inside.
 */
const TYPED_DATA_SIGN_TYPE_HASH = keccak256(
  ENCODER.encode(
    `TypedDataSign(Order contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)${ORDER_V2_TYPE_STRING}`,
  ),
)
const DEPOSIT_WALLET_NAME_HASH = keccak256(ENCODER.encode('DepositWallet'))
const DEPOSIT_WALLET_VERSION_HASH = keccak256(ENCODER.encode('1'))

/** Struct hash of the TypedDataSign wrapper of an order (`contents` its struct hash) for deposit wallet `wallet`. */
export function typedDataSignStructHash(contents: Uint8Array, chainId: unknown, wallet: string): Uint8Array {
  const buf = new Uint8Array(224)
  buf.set(TYPED_DATA_SIGN_TYPE_HASH, 0)
  buf.set(contents, 32)
  buf.set(DEPOSIT_WALLET_NAME_HASH, 64)
  buf.set(DEPOSIT_WALLET_VERSION_HASH, 96)
  writeChainId(chainId, buf, 128)
  writeAddress(wallet, buf, 160, 'TypedDataSign.verifyingContract')
  // salt: bytes32 zero, already zero.
  return keccak256(buf)
}

/** The order type string and its length (hex), as the POLY_1271 signature carries them after the inner one. */
export const ORDER_V2_TYPE_HEX = toHex(ENCODER.encode(ORDER_V2_TYPE_STRING)).slice(2)
export const ORDER_V2_TYPE_LENGTH = ORDER_V2_TYPE_STRING.length.toString(16).padStart(4, '0')

/** Whether `types` (EIP712Domain aside) is exactly one of the order structs. */
export function orderKind(types: Readonly<Record<string, readonly TypedDataField[]>>): 'v2' | 'v1' | undefined {
  let only: string | undefined
  for (const k in types) {
    if (k === 'EIP712Domain') continue
    if (only !== undefined) return undefined
    only = k
  }
  if (only !== 'Order') return undefined
  const fields = types.Order as readonly TypedDataField[]
  if (sameFields(fields, ORDER_V2_FIELDS)) return 'v2'
  if (sameFields(fields, ORDER_V1_FIELDS)) return 'v1'
  return undefined
}

function sameFields(a: readonly TypedDataField[], b: readonly TypedDataField[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as TypedDataField
    const y = b[i] as TypedDataField
    if (x.name !== y.name || x.type !== y.type) return false
  }
  return true
}
