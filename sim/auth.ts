// CLOB authentication (protocol doc §2.2). L1: the ClobAuth EIP-712 signature must recover POLY_ADDRESS; API
// credentials are derived deterministically from the address and nonce. L2: HMAC-SHA256 over
// `timestamp + METHOD + pathname + body`, url-safe base64 with `=` kept.
import { createHmac } from 'node:crypto'
import { clobAuthDigest, recoverAddress } from './eip712.ts'

export type ApiCreds = { apiKey: string; secret: string; passphrase: string }
export type KeyRecord = ApiCreds & { address: string }

export const AUTH_ERRORS = {
  l1: 'Invalid L1 Request headers',
  l2: 'Unauthorized/Invalid api key',
} as const

export type HeaderGetter = (name: string) => string | null

export function hmacSignature(secret: string, message: string): string {
  const key = Buffer.from(secret.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  return createHmac('sha256', key).update(message).digest('base64').replace(/\+/g, '-').replace(/\//g, '_')
}

export type KeyStore = ReturnType<typeof createKeyStore>

export function createKeyStore(serverSecret: string) {
  const byKey = new Map<string, KeyRecord>()

  function derive(address: string, nonce: string): KeyRecord {
    const h = (label: string) =>
      createHmac('sha256', serverSecret).update(`${label}|${address.toLowerCase()}|${nonce}`).digest()
    const k = h('key').toString('hex')
    const apiKey = `${k.slice(0, 8)}-${k.slice(8, 12)}-4${k.slice(13, 16)}-8${k.slice(17, 20)}-${k.slice(20, 32)}`
    const secret = h('secret').toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
    const passphrase = h('passphrase').toString('hex')
    const rec = { apiKey, secret, passphrase, address: address.toLowerCase() }
    byKey.set(apiKey, rec)
    return rec
  }

  /** L1: returns the authenticated address (lowercase) or undefined. */
  function verifyL1(get: HeaderGetter, chainId: number): { address: string; nonce: string } | undefined {
    const address = get('poly_address')
    const signature = get('poly_signature')
    const timestamp = get('poly_timestamp')
    const nonce = get('poly_nonce') ?? '0'
    if (!address || !signature || !timestamp || !/^0x[0-9a-fA-F]{40}$/.test(address) || !/^\d+$/.test(nonce))
      return undefined
    let digest: Uint8Array
    try {
      digest = clobAuthDigest(address, timestamp, BigInt(nonce), chainId)
    } catch {
      return undefined
    }
    const signer = recoverAddress(digest, signature)
    if (!signer || signer !== address.toLowerCase()) return undefined
    return { address: signer, nonce }
  }

  /** L2: returns the key record if every header checks out. `path` is the pathname without query string. */
  function verifyL2(get: HeaderGetter, method: string, path: string, body: string): KeyRecord | undefined {
    const apiKey = get('poly_api_key')
    const passphrase = get('poly_passphrase')
    const address = get('poly_address')
    const signature = get('poly_signature')
    const timestamp = get('poly_timestamp')
    if (!apiKey || !passphrase || !address || !signature || !timestamp) return undefined
    const rec = byKey.get(apiKey)
    if (!rec || rec.passphrase !== passphrase || rec.address !== address.toLowerCase()) return undefined
    const expected = hmacSignature(rec.secret, `${timestamp}${method}${path}${body}`)
    return expected === signature ? rec : undefined
  }

  return {
    derive,
    verifyL1,
    verifyL2,
    byKey: (apiKey: string) => byKey.get(apiKey),
    /** User-channel auth object check. */
    checkCreds(c: { apiKey?: string; secret?: string; passphrase?: string }): KeyRecord | undefined {
      const rec = c.apiKey ? byKey.get(c.apiKey) : undefined
      return rec && rec.secret === c.secret && rec.passphrase === c.passphrase ? rec : undefined
    },
  }
}
