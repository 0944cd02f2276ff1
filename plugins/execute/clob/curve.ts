import { createHash, createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import * as noble from '@noble/secp256k1'

/**
 * The secp256k1 signature of an order digest: libsecp256k1 through the `secp256k1` N-API binding (a prebuilt
 * binary in its npm package, no build or download at install) when it loads, else @noble/secp256k1 in pure JS
 * (~3× slower, bench/signing). Both are RFC 6979 deterministic with low s, so both give ethers' exact bytes.
 */

export interface Signature {
  /** r || s, 64 bytes, s low. */
  readonly rs: Uint8Array
  /** 0 or 1: ethers' v is 27 + recovery. */
  readonly recovery: number
}

export interface Curve {
  /** For the start log: which implementation signs. */
  readonly name: string
  readonly native: boolean
  sign(digest: Uint8Array, secretKey: Uint8Array): Signature
  /** 65-byte uncompressed public key (0x04 prefix). */
  publicKey(secretKey: Uint8Array): Uint8Array
  isValidSecretKey(secretKey: Uint8Array): boolean
}

/** The binding's own API (its package ships no types). */
interface Secp256k1Binding {
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array
  privateKeyVerify(seckey: Uint8Array): boolean
}

/**
 * The native binding, or why it could not load. `secp256k1/bindings` throws when the prebuilt binary does not
 * fit the platform; the package's main entry would silently fall back to elliptic, which we do not want.
 */
export function loadNativeCurve(): Curve | Error {
  try {
    const require = createRequire(import.meta.url)
    const b = require('secp256k1/bindings') as Secp256k1Binding
    return {
      name: 'libsecp256k1 (native, secp256k1 N-API)',
      native: true,
      sign(digest, secretKey) {
        const { signature, recid } = b.ecdsaSign(digest, secretKey)
        return { rs: signature, recovery: recid }
      },
      publicKey: (secretKey) => b.publicKeyCreate(secretKey, false),
      isValidSecretKey: (secretKey) => b.privateKeyVerify(secretKey),
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

let nobleReady = false

/** @noble/secp256k1 with node:crypto's HMAC-SHA256 for RFC 6979 (faster than a JS HMAC on Bun). */
export function jsCurve(): Curve {
  if (!nobleReady) {
    noble.hashes.sha256 ??= (m) => new Uint8Array(createHash('sha256').update(m).digest())
    noble.hashes.hmacSha256 ??= (k, m) => new Uint8Array(createHmac('sha256', k).update(m).digest())
    nobleReady = true
  }
  return {
    name: '@noble/secp256k1 (pure JS)',
    native: false,
    sign(digest, secretKey) {
      const sig = noble.sign(digest, secretKey, { prehash: false, format: 'recovered' })
      return { rs: sig.subarray(1), recovery: sig[0] as number }
    },
    publicKey: (secretKey) => noble.getPublicKey(secretKey, false),
    isValidSecretKey: (secretKey) => noble.utils.isValidSecretKey(secretKey),
  }
}

export interface LoadedCurve {
  readonly curve: Curve
  /** Set when the native binding was wanted and did not load. */
  readonly fallbackReason: string | undefined
}

let loaded: LoadedCurve | undefined

/** The fastest curve that loads on this machine; decided once per process. */
export function defaultCurve(): LoadedCurve {
  if (loaded) return loaded
  const native = loadNativeCurve()
  loaded =
    native instanceof Error
      ? { curve: jsCurve(), fallbackReason: native.message }
      : { curve: native, fallbackReason: undefined }
  return loaded
}
