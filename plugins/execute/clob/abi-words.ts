import { keccak256 } from './keccak.ts'

/**
 * The 32-byte words of EIP-712 encoding for the order structs: hex, integers, addresses (EIP-55), bytes32,
 * each accepting and refusing exactly what ethers v6 does, so a bad order fails here as it would in ethers.
 */

export class TypedDataError extends Error {
  override name = 'TypedDataError'
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
export const ENCODER = new TextEncoder()

export function toHex(bytes: Uint8Array): string {
  let s = '0x'
  for (let i = 0; i < bytes.length; i++) s += HEX_BYTE[bytes[i] as number]
  return s
}

/** Hex of byte `b` (two digits). */
export const hexByte = (b: number): string => HEX_BYTE[b] as string

function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Writes `bytes` bytes of hex digits of `hex` from index `from` into `out` at `off`. */
export function writeHexDigits(out: Uint8Array, off: number, hex: string, from: number, bytes: number): void {
  for (let i = 0; i < bytes; i++) {
    const hi = nibble(hex.charCodeAt(from + 2 * i))
    const lo = nibble(hex.charCodeAt(from + 2 * i + 1))
    if (hi < 0 || lo < 0) throw new TypedDataError(`invalid hex: ${hex}`)
    out[off + i] = (hi << 4) | lo
  }
}

/** '0x' + 64 hex digits → 32 bytes. */
export function bytes32(hex: string, what: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== 66 || !hex.startsWith('0x')) {
    throw new TypedDataError(`invalid bytes32 for ${what}`)
  }
  const out = new Uint8Array(32)
  writeHexDigits(out, 0, hex, 2, 32)
  return out
}

/** ethers `getBigInt`, with the same accepted inputs and the same refusals. */
export function getBigInt(value: unknown, what: string): bigint {
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

/** Writes a non-negative bigint < 2^256 as a big-endian 32-byte word. */
export function writeWord(out: Uint8Array, off: number, v: bigint): void {
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

/** A uint<bits> field writer, refusing what ethers refuses (negative, too wide, not an integer). */
export function uintWriter(bits: number, what: string): (value: unknown, out: Uint8Array, off: number) => void {
  const max = (1n << BigInt(bits)) - 1n
  const maxSmall = Math.min(2 ** Math.min(bits, 52) - 1, 0xffffffff)
  return (value, out, off) => {
    // Small non-negative integers (side, signatureType) skip BigInt entirely.
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= maxSmall) {
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

// ---- addresses ----------------------------------------------------------------------------------------------

const ADDRESS_RE = /^(0x)?[0-9a-fA-F]{40}$/
const MIXED_CASE_RE = /([A-F].*[a-f])|([a-f].*[A-F])/
const ADDRESS_CACHE_MAX = 4096
/** Address string → 20 bytes, for strings already validated (makers and signers repeat on every order). */
const addressCache = new Map<string, Uint8Array>()

/** EIP-55 checksum form of a lowercase '0x' + 40 hex address. */
export function checksum(lower: string): string {
  const hash = keccak256(ENCODER.encode(lower.substring(2)))
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

/** The address of a 65-byte uncompressed public key: the last 20 bytes of keccak(x || y), checksummed. */
export function addressOfPublicKey(uncompressed: Uint8Array): string {
  return checksum(toHex(keccak256(uncompressed.subarray(1)).subarray(12)))
}

export function writeAddress(value: unknown, out: Uint8Array, off: number, what: string): void {
  out.set(addressBytes(value, what), off + 12)
}

export function writeBytes32(value: unknown, out: Uint8Array, off: number, what: string): void {
  if (typeof value === 'string' && value.length === 66 && value.startsWith('0x')) {
    writeHexDigits(out, off, value, 2, 32)
    return
  }
  if (value instanceof Uint8Array && value.length === 32) {
    out.set(value, off)
    return
  }
  throw new TypedDataError(`invalid bytes32 for ${what}`)
}

export const hashText = (s: string): Uint8Array => {
  // ethers' toUtf8Bytes refuses lone surrogates; TextEncoder would silently replace them.
  if (!s.isWellFormed()) throw new TypedDataError('invalid surrogate pair in a domain string')
  return keccak256(ENCODER.encode(s))
}
