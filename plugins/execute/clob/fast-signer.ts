import { Wallet } from 'ethers'
import type { Logger } from '../../../pipeline/logger.ts'
import { type Curve, defaultCurve } from './curve.ts'
import { keccakBackend } from './keccak.ts'
import {
  addressOfPublicKey,
  digestOf,
  domainSeparator,
  hashOrderV1Struct,
  hashOrderV2Struct,
  hexByte,
  isV2,
  ORDER_V2_TYPE_HEX,
  ORDER_V2_TYPE_LENGTH,
  type OrderFields,
  type OrderV2Fields,
  orderKind,
  sideValue,
  type TypedDataDomain,
  TypedDataError,
  type TypedDataField,
  toHex,
  typedDataSignStructHash,
} from './order-hash.ts'

export {
  checksumAddress,
  EXCHANGE_DOMAIN_NAME,
  type ExchangeVersion,
  exchangeDomain,
  ORDER_V1_FIELDS,
  ORDER_V2_FIELDS,
  type OrderFields,
  type OrderV1Fields,
  type OrderV2Fields,
  orderHash,
  type TypedDataDomain,
  TypedDataError,
  type TypedDataField,
} from './order-hash.ts'

/**
 * The daemon's signer: orders (V1, V2, ExchangeV3, POLY_1271 wrapping included) hashed by hand (order-hash.ts)
 * and signed with libsecp256k1 (curve.ts), byte-identical to ethers v6 `Wallet.signTypedData` (RFC 6979 makes
 * ECDSA deterministic); everything else (the L1 ClobAuth message) is signed by ethers itself.
 */

export type TypedDataTypes = Readonly<Record<string, readonly TypedDataField[]>>
export type TypedDataValue = Readonly<Record<string, unknown>>

/**
 * What `new ClobClient({ signer })` accepts: the ethers-v5 shape (`_signTypedData` + `getAddress`). It deliberately
 * has no `signTypedData` member, which the client would take for a viem WalletClient.
 */
export interface FastSigner {
  /** Checksummed address of the key. */
  readonly address: string
  /** Which secp256k1 implementation signs (for the start log and the bench). */
  readonly curve: string
  getAddress(): Promise<string>
  /** Orders on the fast path; any other typed data through ethers. */
  _signTypedData(domain: TypedDataDomain, types: TypedDataTypes, value: TypedDataValue): Promise<string>
  /**
   * Sign an order and return its id (the EIP-712 hash) with the signature the exchange expects, hashing once.
   * For signatureType 3 (POLY_1271) that is the wrapped deposit-wallet signature, as the client builds it.
   */
  signOrder(order: OrderFields, domain: TypedDataDomain): { readonly hash: string; readonly signature: string }
  /** 65-byte r||s||v signature (v = 27/28) of a 32-byte digest, as ethers' `SigningKey.sign(...).serialized`. */
  signDigest(digest: Uint8Array): string
}

export interface FastSignerOptions {
  /** Told once which implementations sign and hash (a warning when the native curve could not load). */
  readonly log?: Logger
  /** The curve to sign with; default the fastest that loads (libsecp256k1, else @noble/secp256k1). */
  readonly curve?: Curve
}

const POLY_1271 = 3

function parsePrivateKey(privateKey: string, curve: Curve): Uint8Array {
  const hex = privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new TypedDataError('invalid private key: expected 32 bytes of hex')
  const key = Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
  if (!curve.isValidSecretKey(key)) throw new TypedDataError('invalid private key: out of range')
  return key
}

function announce(log: Logger, curve: Curve, fallbackReason: string | undefined): void {
  const hashing = keccakBackend.fallbackReason
    ? `${keccakBackend.name}; WebAssembly Keccak did not load: ${keccakBackend.fallbackReason}`
    : keccakBackend.name
  if (fallbackReason !== undefined) {
    log.warn(
      `order signing: native libsecp256k1 could not load (${fallbackReason}); signing with ${curve.name}, about 3× slower (hashing: ${hashing})`,
    )
  } else log.info(`order signing: ${curve.name}, hashing: ${hashing}`)
}

export function createFastSigner(privateKey: string, opts: FastSignerOptions = {}): FastSigner {
  const chosen = opts.curve ? { curve: opts.curve, fallbackReason: undefined } : defaultCurve()
  const { curve } = chosen
  const secretKey = parsePrivateKey(privateKey, curve)
  const address = addressOfPublicKey(curve.publicKey(secretKey))
  if (opts.log) announce(opts.log, curve, chosen.fallbackReason)
  let wallet: Wallet | undefined
  const ethersWallet = () => {
    wallet ??= new Wallet(toHex(secretKey))
    return wallet
  }

  const signDigest = (digest: Uint8Array): string => {
    if (digest.length !== 32) throw new TypedDataError('digest must be 32 bytes')
    const { rs, recovery } = curve.sign(digest, secretKey)
    let s = '0x'
    for (let i = 0; i < 64; i++) s += hexByte(rs[i] as number)
    return s + hexByte(27 + recovery)
  }

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
    const inner = signDigest(digestOf(sep, typedDataSignStructHash(contents, domain.chainId, order.signer)))
    return `${inner}${toHex(sep).slice(2)}${toHex(contents).slice(2)}${ORDER_V2_TYPE_HEX}${ORDER_V2_TYPE_LENGTH}`
  }

  const signOrder = (order: OrderFields, domain: TypedDataDomain) => {
    const sep = domainSeparator(domain)
    if (!isV2(order)) {
      const digest = digestOf(sep, hashOrderV1Struct(order))
      return { hash: toHex(digest), signature: signDigest(digest) }
    }
    const contents = hashOrderV2Struct(order)
    const digest = digestOf(sep, contents)
    if (Number(order.signatureType) !== POLY_1271) return { hash: toHex(digest), signature: signDigest(digest) }
    return { hash: toHex(digest), signature: signDepositWalletOrder(order, domain, sep, contents) }
  }

  return {
    address,
    curve: curve.name,
    getAddress: () => Promise.resolve(address),
    async _signTypedData(domain, types, value) {
      const kind = orderKind(types)
      if (kind === undefined) {
        // L1 auth and anything else: ethers' own encoder, with its own checks.
        const { EIP712Domain: _, ...rest } = types
        const mutable = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v.map((f) => ({ ...f }))]))
        return ethersWallet().signTypedData(domain, mutable, value)
      }
      const sep = domainSeparator(domain)
      const struct = kind === 'v2' ? hashOrderV2Struct(value) : hashOrderV1Struct(value)
      return signDigest(digestOf(sep, struct))
    },
    signOrder,
    signDigest,
  }
}

/** For tests and the bench: `side` as the struct has it. */
export { sideValue }
