import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { getContractConfig } from '@polymarket/clob-client-v2'

/**
 * EIP-712 signing of the project's own, byte-identical to ethers v6 `Wallet.signTypedData` (RFC 6979 makes ECDSA
 * deterministic) at a fraction of its cost: type hashes and domain separators are computed once and the Order
 * structs are written straight into one buffer (≈15 µs per order hash, where ethers' encoder spends hundreds),
 * leaving the @noble/curves signature itself as nearly all of the cost. Unknown typed data goes through a
 * generic encoder that follows ethers' TypedDataEncoder rule for rule, including what it rejects.
 */

export interface TypedDataDomain {
  readonly name?: string | null
  readonly version?: string | null
  readonly chainId?: number | bigint | string | null
  readonly verifyingContract?: string | null
  readonly salt?: string | Uint8Array | null
}

export interface TypedDataField {
  readonly name: string
  readonly type: string
}

export type TypedDataTypes = Readonly<Record<string, readonly TypedDataField[]>>

export type TypedDataValue = Readonly<Record<string, unknown>>

/** An order as the client builds it (side 'BUY'/'SELL') or as it is signed (side 0/1). V1 or V2, detected by fields. */
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

/**
 * What `new ClobClient({ signer })` accepts: the ethers-v5 shape (`_signTypedData` + `getAddress`). It deliberately
 * has no `signTypedData` member, which the client would take for a viem WalletClient.
 */
export interface FastSigner {
  /** Checksummed address of the key. */
  readonly address: string
  getAddress(): Promise<string>
  _signTypedData(domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): Promise<string>
  /** Same as `_signTypedData`, synchronous. */
  signTypedDataSync(domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): string
  /**
   * Sign an order and return its id (the EIP-712 hash) with the signature the exchange expects, hashing once.
   * For signatureType 3 (POLY_1271) that is the wrapped deposit-wallet signature, as the client builds it.
   */
  signOrder(order: OrderFields, domain: TypedDataDomain): { readonly hash: string; readonly signature: string }
  /** 65-byte r||s||v signature (v = 27/28) of a 32-byte digest, as ethers' `SigningKey.sign(...).serialized`. */
  signDigest(digest: Uint8Array): string
}

export class TypedDataError extends Error {
  override name = 'TypedDataError'
}

// ---- the structs the client signs ---------------------------------------------------------------------------

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

export const CLOB_AUTH_FIELDS: readonly TypedDataField[] = [
  { name: 'address', type: 'address' },
  { name: 'timestamp', type: 'string' },
  { name: 'nonce', type: 'uint256' },
  { name: 'message', type: 'string' },
]

export const CLOB_AUTH_MESSAGE = 'This message attests that I control the given wallet'

export const EXCHANGE_DOMAIN_NAME = 'Polymarket CTF Exchange'

/** Domain of the exchange an order is signed for: V2 (default) or V1, neg-risk or not. */
export function exchangeDomain(chainId: number, negRisk: boolean, version: 1 | 2 = 2): TypedDataDomain {
  const c = getContractConfig(chainId)
  const verifyingContract =
    version === 2 ? (negRisk ? c.negRiskExchangeV2 : c.exchangeV2) : negRisk ? c.negRiskExchange : c.exchange
  return { name: EXCHANGE_DOMAIN_NAME, version: String(version), chainId, verifyingContract }
}

/** Domain of the L1 ClobAuth message (no verifyingContract). */
export function clobAuthDomain(chainId: number): TypedDataDomain {
  return { name: 'ClobAuthDomain', version: '1', chainId }
}

// ---- bytes and hex ------------------------------------------------------------------------------------------

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const ENCODER = new TextEncoder()

function toHex(bytes: Uint8Array): string {
  let s = '0x'
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i] as number]
  return s
}

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Writes `hex` (no prefix, even length already checked) into `out` at `off`. */
function writeHexDigits(out: Uint8Array, off: number, hex: string, from: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) {
    const hi = nibble(hex.charCodeAt(from + 2 * i))
    const lo = nibble(hex.charCodeAt(from + 2 * i + 1))
    if (hi < 0 || lo < 0) throw new TypedDataError(`invalid hex: ${hex}`)
    out[off + i] = (hi << 4) | lo
  }
}

/** ethers `getBytes`: a Uint8Array, or '0x' + an even number of hex digits. */
function getBytes(value: unknown, what: string): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string' && value.length % 2 === 0 && value.startsWith('0x')) {
    const out = new Uint8Array((value.length - 2) / 2)
    writeHexDigits(out, 0, value, 2, out.length)
    return out
  }
  throw new TypedDataError(`invalid BytesLike value for ${what}`)
}

/** ethers `getBigInt`, with the same accepted inputs and the same refusals. */
function getBigInt(value: unknown, what: string): bigint {
  switch (typeof value) {
    case 'bigint':
      return value
    case 'number':
      if (!Number.isInteger(value)) throw new TypedDataError(`underflow: ${what} = ${value}`)
      if (value < -Number.MAX_SAFE_INTEGER || value > Number.MAX_SAFE_INTEGER) {
        throw new TypedDataError(`overflow: ${what} = ${value}`)
      }
      return BigInt(value)
    case 'string':
      try {
        if (value === '') throw new Error('empty string')
        if (value[0] === '-' && value[1] !== '-') return -BigInt(value.substring(1))
        return BigInt(value)
      } catch (e) {
        throw new TypedDataError(`invalid BigNumberish string for ${what}: ${(e as Error).message}`)
      }
  }
  throw new TypedDataError(`invalid BigNumberish value for ${what}`)
}

const TWO_256 = 1n << 256n

/** Writes a non-negative bigint < 2^256 as a big-endian 32-byte word. */
function writeWord(out: Uint8Array, off: number, v: bigint): void {
  if (v <= 0xffffffffn) {
    const n = Number(v)
    out[off + 28] = n >>> 24
    out[off + 29] = (n >>> 16) & 0xff
    out[off + 30] = (n >>> 8) & 0xff
    out[off + 31] = n & 0xff
    return
  }
  let h = v.toString(16)
  if (h.length & 1) h = `0${h}`
  const n = h.length / 2
  writeHexDigits(out, off + 32 - n, h, 0, n)
}

function uintWriter(bits: number, what: string): (value: unknown, out: Uint8Array, off: number) => void {
  const max = (1n << BigInt(bits)) - 1n
  const maxSmall = bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1
  return (value, out, off) => {
    // Small non-negative integers (side, signatureType, nonces) skip BigInt entirely.
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= 0 &&
      value <= maxSmall &&
      value <= 0xffffffff
    ) {
      out[off + 28] = value >>> 24
      out[off + 29] = (value >>> 16) & 0xff
      out[off + 30] = (value >>> 8) & 0xff
      out[off + 31] = value & 0xff
      return
    }
    const v = getBigInt(value, what)
    if (v < 0n || v > max) throw new TypedDataError(`value out-of-bounds for uint${bits}: ${what} = ${v}`)
    writeWord(out, off, v)
  }
}

function intWriter(bits: number, what: string): (value: unknown, out: Uint8Array, off: number) => void {
  const max = (1n << BigInt(bits - 1)) - 1n
  const min = -(max + 1n)
  return (value, out, off) => {
    const v = getBigInt(value, what)
    if (v < min || v > max) throw new TypedDataError(`value out-of-bounds for int${bits}: ${what} = ${v}`)
    writeWord(out, off, v < 0n ? TWO_256 + v : v)
  }
}

// ---- addresses ----------------------------------------------------------------------------------------------

const ADDRESS_RE = /^(0x)?[0-9a-fA-F]{40}$/
const MIXED_CASE_RE = /([A-F].*[a-f])|([a-f].*[A-F])/
const ADDRESS_CACHE_MAX = 4096
/** Address string → 20 bytes, for strings already validated (makers and signers repeat on every order). */
const addressCache = new Map<string, Uint8Array>()

/** EIP-55 checksum form of a lowercase '0x' + 40 hex address. */
function checksum(lower: string): string {
  const hash = keccak_256(ENCODER.encode(lower.substring(2)))
  let out = '0x'
  for (let i = 0; i < 40; i++) {
    const c = lower[i + 2] as string
    const h = hash[i >> 1] as number
    const n = i & 1 ? h & 0x0f : h >> 4
    out += n >= 8 ? c.toUpperCase() : c
  }
  return out
}

/** ethers `getAddress` rules: optional 0x, 40 hex digits, and a mixed-case address must carry a valid checksum. */
export function checksumAddress(address: string): string {
  if (!ADDRESS_RE.test(address)) throw new TypedDataError(`invalid address: ${address}`)
  const prefixed = address.startsWith('0x') ? address : `0x${address}`
  const result = checksum(prefixed.toLowerCase())
  if (MIXED_CASE_RE.test(prefixed) && result !== prefixed) throw new TypedDataError(`bad address checksum: ${address}`)
  return result
}

function addressBytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') throw new TypedDataError(`invalid address for ${what}`)
  const hit = addressCache.get(value)
  if (hit) return hit
  const normalized = checksumAddress(value)
  const bytes = new Uint8Array(20)
  writeHexDigits(bytes, 0, normalized, 2, 20)
  if (addressCache.size >= ADDRESS_CACHE_MAX) addressCache.clear()
  addressCache.set(value, bytes)
  return bytes
}

function writeAddress(value: unknown, out: Uint8Array, off: number, what: string): void {
  out.set(addressBytes(value, what), off + 12)
}

function writeBytes32(value: unknown, out: Uint8Array, off: number, what: string): void {
  if (typeof value === 'string' && value.length === 66 && value.startsWith('0x')) {
    writeHexDigits(out, off, value, 2, 32)
    return
  }
  const b = getBytes(value, what)
  if (b.length !== 32) throw new TypedDataError(`invalid length for bytes32: ${what}`)
  out.set(b, off)
}

function hashString(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') throw new TypedDataError(`invalid string value for ${what}`)
  // ethers' toUtf8Bytes refuses lone surrogates; TextEncoder would silently replace them.
  if (!value.isWellFormed()) throw new TypedDataError(`invalid surrogate pair in ${what}`)
  return keccak_256(ENCODER.encode(value))
}

// ---- generic typed-data compiler ------------------------------------------------------------------------------

type WordWriter = (value: unknown, out: Uint8Array, off: number) => void

interface CompiledTypes {
  readonly primaryType: string
  hashStruct(name: string, value: unknown): Uint8Array
}

const BASE_INT_RE = /^(u?)int(\d+)$/
const BASE_BYTES_RE = /^bytes(\d+)$/
const ARRAY_RE = /^([^[]*)((\[\d*\])*)(\[(\d*)\])$/

function isBaseType(type: string): boolean {
  const i = BASE_INT_RE.exec(type)
  if (i) {
    const width = Number(i[2])
    if (width % 8 !== 0 || width === 0 || width > 256 || i[2] !== String(width)) {
      throw new TypedDataError(`invalid numeric width: ${type}`)
    }
    return true
  }
  const b = BASE_BYTES_RE.exec(type)
  if (b) {
    const width = Number(b[1])
    if (width === 0 || width > 32 || b[1] !== String(width)) throw new TypedDataError(`invalid bytes width: ${type}`)
    return true
  }
  return type === 'address' || type === 'bool' || type === 'bytes' || type === 'string'
}

function baseWriter(type: string, what: string): WordWriter {
  const i = BASE_INT_RE.exec(type)
  if (i) return i[1] === 'u' ? uintWriter(Number(i[2]), what) : intWriter(Number(i[2]), what)
  const b = BASE_BYTES_RE.exec(type)
  if (b) {
    const width = Number(b[1])
    if (width === 32) return (v, out, off) => writeBytes32(v, out, off, what)
    return (v, out, off) => {
      const bytes = getBytes(v, what)
      if (bytes.length !== width) throw new TypedDataError(`invalid length for ${type}: ${what}`)
      out.set(bytes, off)
    }
  }
  switch (type) {
    case 'address':
      return (v, out, off) => writeAddress(v, out, off, what)
    case 'bool':
      return (v, out, off) => {
        out[off + 31] = v ? 1 : 0
      }
    case 'bytes':
      return (v, out, off) => out.set(keccak_256(getBytes(v, what)), off)
    case 'string':
      return (v, out, off) => out.set(hashString(v, what), off)
  }
  throw new TypedDataError(`unknown type: ${type}`)
}

function splitArray(type: string): { base: string; prefix?: string; count?: number } {
  const m = ARRAY_RE.exec(type)
  if (!m) return { base: type }
  return { base: m[1] as string, prefix: (m[1] as string) + (m[2] as string), count: m[5] ? Number(m[5]) : -1 }
}

/** Builds encoders for a set of EIP-712 types, following ethers v6 TypedDataEncoder (primary type, sorting, checks). */
function compileTypes(input: TypedDataTypes): CompiledTypes {
  const types = new Map<string, TypedDataField[]>()
  for (const name of Object.keys(input)) {
    const fields = input[name] as readonly TypedDataField[]
    types.set(
      name,
      fields.map(({ name: fieldName, type }) => {
        const { base } = splitArray(type)
        const suffix = type.substring(base.length)
        let b = base
        if (b === 'int' && !(('int' as string) in input)) b = 'int256'
        if (b === 'uint' && !(('uint' as string) in input)) b = 'uint256'
        return { name: fieldName, type: b + suffix }
      }),
    )
  }
  const parents = new Map<string, string[]>()
  const links = new Map<string, Set<string>>()
  for (const name of types.keys()) {
    parents.set(name, [])
    links.set(name, new Set())
  }
  for (const [name, fields] of types) {
    const seen = new Set<string>()
    for (const field of fields) {
      if (seen.has(field.name)) throw new TypedDataError(`duplicate variable name ${field.name} in ${name}`)
      seen.add(field.name)
      const base = splitArray(field.type).base
      if (base === name) throw new TypedDataError(`circular type reference to ${base}`)
      if (isBaseType(base)) continue
      const p = parents.get(base)
      if (!p) throw new TypedDataError(`unknown type ${base}`)
      p.push(name)
      links.get(name)?.add(base)
    }
  }
  const primaries = [...parents.keys()].filter((n) => parents.get(n)?.length === 0)
  if (primaries.length === 0) throw new TypedDataError('missing primary type')
  if (primaries.length !== 1)
    throw new TypedDataError(`ambiguous primary types or unused types: ${primaries.join(', ')}`)
  const primaryType = primaries[0] as string

  const subtypes = new Map<string, Set<string>>()
  for (const name of types.keys()) subtypes.set(name, new Set())
  const checkCircular = (type: string, found: Set<string>): void => {
    if (found.has(type)) throw new TypedDataError(`circular type reference to ${type}`)
    found.add(type)
    for (const child of links.get(type) ?? []) {
      if (!parents.has(child)) continue
      checkCircular(child, found)
      for (const t of found) subtypes.get(t)?.add(child)
    }
    found.delete(type)
  }
  checkCircular(primaryType, new Set())

  const encodeType = (name: string): string =>
    `${name}(${(types.get(name) ?? []).map((f) => `${f.type} ${f.name}`).join(',')})`
  const typeHashes = new Map<string, Uint8Array>()
  for (const [name, subs] of subtypes) {
    const full = encodeType(name) + [...subs].sort().map(encodeType).join('')
    typeHashes.set(name, keccak_256(ENCODER.encode(full)))
  }

  const writers = new Map<string, WordWriter>()
  const structs = new Map<string, (value: unknown) => Uint8Array>()

  const getWriter = (type: string, what: string): WordWriter => {
    const key = `${type}\u0000${what}`
    const cached = writers.get(key)
    if (cached) return cached
    let w: WordWriter
    const { base, prefix, count } = splitArray(type)
    if (prefix !== undefined) {
      const element = getWriter(prefix, what)
      w = (value, out, off) => {
        if (!Array.isArray(value)) throw new TypedDataError(`expected an array for ${what}`)
        if (count !== -1 && value.length !== count) {
          throw new TypedDataError(`array length mismatch for ${what}; expected length ${count}`)
        }
        const buf = new Uint8Array(32 * value.length)
        for (let i = 0; i < value.length; i++) element(value[i], buf, 32 * i)
        out.set(keccak_256(buf), off)
      }
    } else if (types.has(base)) {
      w = (value, out, off) => out.set(hashStruct(base, value), off)
    } else {
      w = baseWriter(base, what)
    }
    writers.set(key, w)
    return w
  }

  const structEncoder = (name: string): ((value: unknown) => Uint8Array) => {
    const cached = structs.get(name)
    if (cached) return cached
    const fields = types.get(name)
    const typeHash = typeHashes.get(name)
    if (!fields || !typeHash) throw new TypedDataError(`unknown type: ${name}`)
    const fieldWriters = fields.map((f) => ({ name: f.name, write: getWriter(f.type, `${name}.${f.name}`) }))
    const enc = (value: unknown): Uint8Array => {
      if (typeof value !== 'object' || value === null) throw new TypedDataError(`expected an object for ${name}`)
      const record = value as Record<string, unknown>
      const buf = new Uint8Array(32 * (fieldWriters.length + 1))
      buf.set(typeHash, 0)
      for (let i = 0; i < fieldWriters.length; i++) {
        const f = fieldWriters[i] as { name: string; write: WordWriter }
        f.write(record[f.name], buf, 32 * (i + 1))
      }
      return keccak_256(buf)
    }
    structs.set(name, enc)
    return enc
  }
  const hashStruct = (name: string, value: unknown): Uint8Array => structEncoder(name)(value)
  return { primaryType, hashStruct }
}

const COMPILED_MAX = 256
const compiledCache = new Map<string, CompiledTypes>()

function withoutDomainType(types: TypedDataTypes): TypedDataTypes {
  if (!('EIP712Domain' in types)) return types
  const { EIP712Domain: _, ...rest } = types
  return rest
}

function compiled(types: TypedDataTypes): CompiledTypes {
  const key = JSON.stringify(types)
  const hit = compiledCache.get(key)
  if (hit) return hit
  const c = compileTypes(types)
  if (compiledCache.size >= COMPILED_MAX) compiledCache.clear()
  compiledCache.set(key, c)
  return c
}

// ---- domains --------------------------------------------------------------------------------------------------

const DOMAIN_FIELDS: readonly TypedDataField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
]
const DOMAIN_NAMES = DOMAIN_FIELDS.map((f) => f.name)
const DOMAIN_CACHE_MAX = 256
const domainCache = new Map<string, Uint8Array>()

function domainKey(domain: TypedDataDomain): string {
  let key = ''
  const record = domain as Record<string, unknown>
  for (const name in record) {
    const v = record[name]
    if (v == null) continue
    const text = v instanceof Uint8Array ? toHex(v) : String(v)
    // Length-prefixed, so no value can forge another domain's key.
    key += `${name.length}:${name}${typeof v}${text.length}:${text}`
  }
  return key
}

function domainSeparator(domain: TypedDataDomain): Uint8Array {
  const key = domainKey(domain)
  const hit = domainCache.get(key)
  if (hit) return hit
  const record = domain as Record<string, unknown>
  const fields: TypedDataField[] = []
  for (const name in record) {
    if (record[name] == null) continue
    const f = DOMAIN_FIELDS.find((d) => d.name === name)
    if (!f) throw new TypedDataError(`invalid typed-data domain key: ${name}`)
    fields.push(f)
  }
  fields.sort((a, b) => DOMAIN_NAMES.indexOf(a.name) - DOMAIN_NAMES.indexOf(b.name))
  const sep = compiled({ EIP712Domain: fields }).hashStruct('EIP712Domain', domain)
  if (domainCache.size >= DOMAIN_CACHE_MAX) domainCache.clear()
  domainCache.set(key, sep)
  return sep
}

/** EIP-712 domain separator, hex. */
export function hashDomain(domain: TypedDataDomain): string {
  return toHex(domainSeparator(domain))
}

function digestOf(domainSep: Uint8Array, structHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(66)
  buf[0] = 0x19
  buf[1] = 0x01
  buf.set(domainSep, 2)
  buf.set(structHash, 34)
  return keccak_256(buf)
}

// ---- fast paths for the orders --------------------------------------------------------------------------------

const ORDER_V2_TYPE_STRING =
  'Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)'
const ORDER_V2_TYPE_HASH = keccak_256(ENCODER.encode(ORDER_V2_TYPE_STRING))
const ORDER_V1_TYPE_HASH = keccak_256(
  ENCODER.encode(
    'Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)',
  ),
)
const writeU256 = uintWriter(256, 'Order uint256')
const writeU8 = uintWriter(8, 'Order uint8')

function sideValue(side: unknown): unknown {
  if (side === 'BUY') return 0
  if (side === 'SELL') return 1
  return side
}

function orderRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new TypedDataError('expected an order object')
  return value as Record<string, unknown>
}

function hashOrderV2Struct(value: unknown): Uint8Array {
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
  return keccak_256(buf)
}

function hashOrderV1Struct(value: unknown): Uint8Array {
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
  return keccak_256(buf)
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

type Known = 'order-v2' | 'order-v1' | 'generic'

/** Which hand-written encoder fits `types`; a structural check (12 string compares), no serialization. */
function knownKind(types: TypedDataTypes): Known {
  let only: string | undefined
  for (const k in types) {
    if (only !== undefined) return 'generic'
    only = k
  }
  if (only !== 'Order') return 'generic'
  const fields = types.Order as readonly TypedDataField[]
  if (sameFields(fields, ORDER_V2_FIELDS)) return 'order-v2'
  if (sameFields(fields, ORDER_V1_FIELDS)) return 'order-v1'
  return 'generic'
}

function structHashOf(types: TypedDataTypes, value: TypedDataValue): Uint8Array {
  const t = withoutDomainType(types)
  switch (knownKind(t)) {
    case 'order-v2':
      return hashOrderV2Struct(value)
    case 'order-v1':
      return hashOrderV1Struct(value)
    default: {
      const c = compiled(t)
      return c.hashStruct(c.primaryType, value)
    }
  }
}

function typedDataDigest(domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): Uint8Array {
  // The domain first, as ethers does, so a bad domain is reported before a bad value.
  const sep = domainSeparator(domain)
  return digestOf(sep, structHashOf(types, value))
}

/** EIP-712 digest (what gets signed) of any typed data, hex. Equals ethers `TypedDataEncoder.hash`. */
export function hashTypedData(domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): string {
  return toHex(typedDataDigest(domain, types, value))
}

function isV2(order: OrderFields): order is OrderV2Fields {
  return 'timestamp' in order && 'metadata' in order && 'builder' in order
}

function orderDigest(order: OrderFields, domain: TypedDataDomain): Uint8Array {
  const sep = domainSeparator(domain)
  return digestOf(sep, isV2(order) ? hashOrderV2Struct(order) : hashOrderV1Struct(order))
}

/**
 * The order id: EIP-712 hash of the order under `domain` (see `exchangeDomain`). V2 when the order has
 * timestamp/metadata/builder, else V1. Computed locally, so events can be attached to an order whose submit
 * outcome is unknown. A POLY_1271 order's id is this same hash; only its signature differs.
 */
export function orderHash(order: OrderFields, domain: TypedDataDomain): string {
  return toHex(orderDigest(order, domain))
}

// ---- the signer -----------------------------------------------------------------------------------------------

const POLY_1271 = 3
const ZERO_BYTES32 = `0x${'0'.repeat(64)}`
/** The ERC-7739 wrapper a POLY_1271 order is signed in (client exchangeOrderBuilderV2). */
export const TYPED_DATA_SIGN_TYPES: TypedDataTypes = {
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
const ORDER_V2_TYPE_HEX = toHex(ENCODER.encode(ORDER_V2_TYPE_STRING)).slice(2)
const ORDER_V2_TYPE_LENGTH = ORDER_V2_TYPE_STRING.length.toString(16).padStart(4, '0')

function parsePrivateKey(privateKey: string): Uint8Array {
  const hex = privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new TypedDataError('invalid private key: expected 32 bytes of hex')
  const key = getBytes(hex, 'private key')
  if (!secp256k1.utils.isValidSecretKey(key)) throw new TypedDataError('invalid private key: out of range')
  return key
}

/** Address of a secp256k1 secret key: last 20 bytes of keccak(uncompressed public key without its 0x04 prefix). */
function addressOf(secretKey: Uint8Array): string {
  const pub = secp256k1.getPublicKey(secretKey, false)
  const hash = keccak_256(pub.subarray(1))
  return checksum(toHex(hash.subarray(12)))
}

export function createFastSigner(privateKey: string): FastSigner {
  const secretKey = parsePrivateKey(privateKey)
  const address = addressOf(secretKey)

  const signDigest = (digest: Uint8Array): string => {
    if (digest.length !== 32) throw new TypedDataError('digest must be 32 bytes')
    // 'recovered' is [recovery, r, s]; ethers serializes r || s || v with v = 27 + recovery.
    const sig = secp256k1.sign(digest, secretKey, { prehash: false, format: 'recovered' })
    let s = '0x'
    for (let i = 1; i < 65; i++) s += HEX_BYTE[sig[i] as number]
    return s + HEX_BYTE[27 + (sig[0] as number)]
  }

  const signTypedDataSync = (domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): string =>
    signDigest(typedDataDigest(domain, types, value))

  /**
   * POLY_1271 (deposit wallet) orders carry an ERC-7739 style signature, built as the client does it
   * (exchangeOrderBuilderV2 buildOrderSignature): our signature of TypedDataSign{contents: order, DepositWallet
   * domain fields} under the exchange domain, then the exchange domain separator, the order struct hash, the
   * order type string and its length.
   */
  const signDepositWalletOrder = (
    order: OrderV2Fields,
    domain: TypedDataDomain,
    sep: Uint8Array,
    contents: Uint8Array,
  ): string => {
    const inner = signTypedDataSync(domain, TYPED_DATA_SIGN_TYPES, {
      contents: { ...order, side: sideValue(order.side) },
      name: 'DepositWallet',
      version: '1',
      chainId: domain.chainId,
      verifyingContract: order.signer,
      salt: ZERO_BYTES32,
    })
    return `${inner}${toHex(sep).slice(2)}${toHex(contents).slice(2)}${ORDER_V2_TYPE_HEX}${ORDER_V2_TYPE_LENGTH}`
  }

  return {
    address,
    getAddress: () => Promise.resolve(address),
    _signTypedData: (domain, types, value) => {
      try {
        return Promise.resolve(signTypedDataSync(domain, types, value))
      } catch (e) {
        return Promise.reject(e)
      }
    },
    signTypedDataSync,
    signOrder(order, domain) {
      const sep = domainSeparator(domain)
      if (!isV2(order)) {
        const digest = digestOf(sep, hashOrderV1Struct(order))
        return { hash: toHex(digest), signature: signDigest(digest) }
      }
      const contents = hashOrderV2Struct(order)
      const digest = digestOf(sep, contents)
      if (Number(order.signatureType) !== POLY_1271) return { hash: toHex(digest), signature: signDigest(digest) }
      return { hash: toHex(digest), signature: signDepositWalletOrder(order, domain, sep, contents) }
    },
    signDigest,
  }
}
