import { keccak_256 } from '@noble/hashes/sha3.js'
import { createKeccak, type IHasher } from 'hash-wasm'

/**
 * Keccak-256 for the order path. An order id is four Keccak-f permutations (a 384-byte struct, a 66-byte digest);
 * in pure JS on Bun those cost ~13 µs of the ~50 µs budget, in hash-wasm's WebAssembly ~4 µs (bench/signing).
 * The WebAssembly build is loaded once with the module; where it cannot be, @noble/hashes does the same work.
 */

let wasm: IHasher | undefined
let wasmError: string | undefined
try {
  wasm = await createKeccak(256)
} catch (err) {
  wasmError = (err as Error).message
}

/** Which implementation hashes orders, and why not the fast one when it could not load. */
export const keccakBackend: { readonly name: string; readonly fallbackReason: string | undefined } = {
  name: wasm ? 'hash-wasm (WebAssembly)' : '@noble/hashes (pure JS)',
  fallbackReason: wasmError,
}

/** Keccak-256 of `data`, a fresh 32-byte array. */
export const keccak256: (data: Uint8Array) => Uint8Array = wasm
  ? (data) => (wasm as IHasher).init().update(data).digest('binary')
  : (data) => keccak_256(data)

/** Keccak-256 in pure JS, whatever loaded: for code paths that must not depend on WebAssembly. */
export const keccak256Js = (data: Uint8Array): Uint8Array => keccak_256(data)
