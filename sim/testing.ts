// Helpers for tests that talk raw HTTP to the simulator: L1 and L2 headers exactly as the clob-client builds them.
import type { Wallet } from 'ethers'
import { type ApiCreds, hmacSignature } from './auth.ts'
import { CLOB_AUTH_MESSAGE } from './eip712.ts'

export async function l1Headers(wallet: Wallet, chainId = 137, nonce = 0): Promise<Record<string, string>> {
  const ts = Math.floor(Date.now() / 1000)
  const sig = await wallet.signTypedData(
    { name: 'ClobAuthDomain', version: '1', chainId },
    {
      ClobAuth: [
        { name: 'address', type: 'address' },
        { name: 'timestamp', type: 'string' },
        { name: 'nonce', type: 'uint256' },
        { name: 'message', type: 'string' },
      ],
    },
    { address: wallet.address, timestamp: String(ts), nonce, message: CLOB_AUTH_MESSAGE },
  )
  return { POLY_ADDRESS: wallet.address, POLY_SIGNATURE: sig, POLY_TIMESTAMP: String(ts), POLY_NONCE: String(nonce) }
}

export function l2Headers(
  address: string,
  creds: ApiCreds,
  method: string,
  path: string,
  body = '',
): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000))
  return {
    POLY_ADDRESS: address,
    POLY_SIGNATURE: hmacSignature(creds.secret, `${ts}${method}${path}${body}`),
    POLY_TIMESTAMP: ts,
    POLY_API_KEY: creds.apiKey,
    POLY_PASSPHRASE: creds.passphrase,
    'content-type': 'application/json',
  }
}

/** Create (or derive) API credentials for `wallet` over HTTP. */
export async function deriveCreds(clobUrl: string, wallet: Wallet, chainId = 137): Promise<ApiCreds> {
  const res = await fetch(`${clobUrl}/auth/derive-api-key`, { headers: await l1Headers(wallet, chainId) })
  if (!res.ok) throw new Error(`derive-api-key failed: ${res.status}`)
  return (await res.json()) as ApiCreds
}
