// Minimal EIP-712 hashing and signer recovery for the structs the CLOB uses (ClobAuth, V1 and V2/V3 orders).
// Hand-rolled on @noble primitives because generic typed-data encoders cost milliseconds per order.
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { keccak_256 } from '@noble/hashes/sha3.js'

const enc = new TextEncoder()

export function keccakHex(data: Uint8Array): string {
  return toHex(keccak_256(data))
}

export function toHex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`
}

function keccakText(text: string): Uint8Array {
  return keccak_256(enc.encode(text))
}

function word(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 256n) throw new Error('uint256 out of range')
  const out = new Uint8Array(32)
  let v = value
  for (let i = 31; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return out
}

function addressWord(address: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`invalid address ${address}`)
  const out = new Uint8Array(32)
  out.set(Buffer.from(address.slice(2), 'hex'), 12)
  return out
}

function bytes32Word(value: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new Error(`invalid bytes32 ${value}`)
  return new Uint8Array(Buffer.from(value.slice(2), 'hex'))
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

const DOMAIN_WITH_CONTRACT = keccakText(
  'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)',
)
const DOMAIN_NO_CONTRACT = keccakText('EIP712Domain(string name,string version,uint256 chainId)')
const CLOB_AUTH_TYPE = keccakText('ClobAuth(address address,string timestamp,uint256 nonce,string message)')
const ORDER_V2_TYPE = keccakText(
  'Order(uint256 salt,address maker,address signer,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint8 side,uint8 signatureType,uint256 timestamp,bytes32 metadata,bytes32 builder)',
)
const ORDER_V1_TYPE = keccakText(
  'Order(uint256 salt,address maker,address signer,address taker,uint256 tokenId,uint256 makerAmount,uint256 takerAmount,uint256 expiration,uint256 nonce,uint256 feeRateBps,uint8 side,uint8 signatureType)',
)

export const CLOB_AUTH_MESSAGE = 'This message attests that I control the given wallet'

function domainSeparator(name: string, version: string, chainId: number, verifyingContract?: string): Uint8Array {
  const parts = [
    verifyingContract ? DOMAIN_WITH_CONTRACT : DOMAIN_NO_CONTRACT,
    keccakText(name),
    keccakText(version),
    word(BigInt(chainId)),
  ]
  if (verifyingContract) parts.push(addressWord(verifyingContract))
  return keccak_256(concat(parts))
}

const domainCache = new Map<string, Uint8Array>()
function cachedDomain(name: string, version: string, chainId: number, verifyingContract?: string): Uint8Array {
  const key = `${name}|${version}|${chainId}|${verifyingContract ?? ''}`
  let d = domainCache.get(key)
  if (!d) {
    d = domainSeparator(name, version, chainId, verifyingContract)
    domainCache.set(key, d)
  }
  return d
}

function digest(domain: Uint8Array, structHash: Uint8Array): Uint8Array {
  return keccak_256(concat([new Uint8Array([0x19, 0x01]), domain, structHash]))
}

export function clobAuthDigest(address: string, timestamp: string, nonce: bigint, chainId: number): Uint8Array {
  const struct = keccak_256(
    concat([CLOB_AUTH_TYPE, addressWord(address), keccakText(timestamp), word(nonce), keccakText(CLOB_AUTH_MESSAGE)]),
  )
  return digest(cachedDomain('ClobAuthDomain', '1', chainId), struct)
}

export type OrderV2Struct = {
  salt: bigint
  maker: string
  signer: string
  tokenId: bigint
  makerAmount: bigint
  takerAmount: bigint
  side: 0 | 1
  signatureType: number
  timestamp: bigint
  metadata: string
  builder: string
}

export type OrderV1Struct = {
  salt: bigint
  maker: string
  signer: string
  taker: string
  tokenId: bigint
  makerAmount: bigint
  takerAmount: bigint
  expiration: bigint
  nonce: bigint
  feeRateBps: bigint
  side: 0 | 1
  signatureType: number
}

/** `domainVersion` "2" for CTFExchangeV2 / NegRisk V2, "3" for ExchangeV3 (Protocol V2 markets). */
export function orderV2Digest(
  o: OrderV2Struct,
  chainId: number,
  verifyingContract: string,
  domainVersion: '2' | '3' = '2',
): Uint8Array {
  const struct = keccak_256(
    concat([
      ORDER_V2_TYPE,
      word(o.salt),
      addressWord(o.maker),
      addressWord(o.signer),
      word(o.tokenId),
      word(o.makerAmount),
      word(o.takerAmount),
      word(BigInt(o.side)),
      word(BigInt(o.signatureType)),
      word(o.timestamp),
      bytes32Word(o.metadata),
      bytes32Word(o.builder),
    ]),
  )
  return digest(cachedDomain('Polymarket CTF Exchange', domainVersion, chainId, verifyingContract), struct)
}

export function orderV1Digest(o: OrderV1Struct, chainId: number, verifyingContract: string): Uint8Array {
  const struct = keccak_256(
    concat([
      ORDER_V1_TYPE,
      word(o.salt),
      addressWord(o.maker),
      addressWord(o.signer),
      addressWord(o.taker),
      word(o.tokenId),
      word(o.makerAmount),
      word(o.takerAmount),
      word(o.expiration),
      word(o.nonce),
      word(o.feeRateBps),
      word(BigInt(o.side)),
      word(BigInt(o.signatureType)),
    ]),
  )
  return digest(cachedDomain('Polymarket CTF Exchange', '1', chainId, verifyingContract), struct)
}

/** Recover the lowercase 0x address that produced a 65-byte `r‖s‖v` signature over `hash`; undefined if invalid. */
export function recoverAddress(hash: Uint8Array, signature: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
  const raw = Buffer.from(signature.slice(2), 'hex')
  const v = raw[64] ?? 0
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) return undefined
  const rec = new Uint8Array(65)
  rec[0] = recovery
  rec.set(raw.subarray(0, 64), 1)
  try {
    const pub = secp256k1.recoverPublicKey(rec, hash, { prehash: false })
    const full = secp256k1.Point.fromBytes(pub).toBytes(false)
    return `0x${Buffer.from(keccak_256(full.subarray(1)).subarray(12)).toString('hex')}`
  } catch {
    return undefined
  }
}
