// Helpers for tests against the simulator: known wallets, a simulator on a literal scenario, a real clob-client,
// and L1/L2 headers exactly as the clob-client builds them (for raw-HTTP tests).
import {
  type ApiKeyCreds,
  ClobClient,
  type ClobClientOptions,
  OrderType,
  orderToJsonV2,
  type Side,
} from '@polymarket/clob-client-v2'
import { Wallet } from 'ethers'
import type { z } from 'zod'
import { type ApiCreds, hmacSignature } from './auth.ts'
import { CLOB_AUTH_MESSAGE } from './eip712.ts'
import { type Simulator, type SimulatorOptions, startSimulator } from './index.ts'
import { ScenarioSchema } from './scenario.ts'

// The well-known local development keys (never funded anywhere that matters).
export const alice = new Wallet('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
export const bob = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
export const carol = new Wallet('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdd4d1c7')

/** A simulator on a literal scenario; synthetic flow is off unless the scenario turns it on. */
export function startTestSimulator(
  scenario: z.input<typeof ScenarioSchema>,
  options: Omit<SimulatorOptions, 'scenario'> = {},
): Promise<Simulator> {
  return startSimulator({ ...options, scenario: ScenarioSchema.parse({ flow: false, ...scenario }) })
}

/** The client wants an ethers-v5-style signer; ethers v6 Wallet.signTypedData does the work. */
export function signerOf(w: Wallet) {
  return {
    _signTypedData: (
      d: Record<string, unknown>,
      t: Record<string, Array<{ name: string; type: string }>>,
      v: Record<string, unknown>,
    ) => w.signTypedData(d, t, v),
    getAddress: async () => w.address,
  }
}

/** A real clob-client-v2 for `wallet` (chain 137); with credentials (the simulator's or the client's shape) it has L2. */
export function clobClient(
  host: string,
  wallet: Wallet,
  creds?: ApiCreds | ApiKeyCreds,
  options: Pick<ClobClientOptions, 'signatureType' | 'funderAddress'> = {},
): ClobClient {
  const key =
    creds && ('apiKey' in creds ? { key: creds.apiKey, secret: creds.secret, passphrase: creds.passphrase } : creds)
  return new ClobClient({ host, chain: 137, signer: signerOf(wallet), ...(key ? { creds: key } : {}), ...options })
}

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

/** A raw L2 request (headers and status visible, which the client hides). `body` is sent and signed verbatim. */
export function l2Fetch(
  clobUrl: string,
  wallet: Wallet,
  creds: ApiCreds,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const text = body === undefined ? '' : JSON.stringify(body)
  return fetch(`${clobUrl}${path}`, {
    method,
    headers: l2Headers(wallet.address, creds, method, path, text),
    ...(text ? { body: text } : {}),
  })
}

/** The POST /order body the real client would send for `order` (signed by `client`, V2 or V3 by `version`). */
export async function orderBody(
  client: ClobClient,
  creds: ApiCreds,
  order: { tokenID: string; price: number; size: number; side: Side },
  options: { version?: 2 | 3; postOnly?: boolean; orderType?: OrderType } = {},
): Promise<Record<string, unknown>> {
  const signed = await client.createOrder(order, options.version ? { version: options.version } : undefined)
  const body = orderToJsonV2(
    signed as never,
    creds.apiKey,
    options.orderType ?? OrderType.GTC,
    options.postOnly ?? false,
  )
  return { ...body }
}
