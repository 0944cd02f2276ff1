import { type ApiKeyCreds, type Chain, ClobClient, type SignatureTypeV2 } from '@polymarket/clob-client-v2'
import type { Credentials } from '../../../pipeline/context.ts'
import type { FastSigner } from './fast-signer.ts'

/**
 * The official client, built the one way the daemon uses it: our fast signer (ethers-v5 shape, so it is not
 * mistaken for a viem WalletClient), errors thrown (`throwOnError`) so failures are classified, no automatic
 * POST retry (a retried order post is how duplicates happen). API credentials come from the environment, or are
 * created (L1) and, when the key already exists, derived.
 */

export interface ClientSetup {
  readonly host: string
  readonly chainId: number
  readonly signer: FastSigner
  readonly credentials: Credentials
}

export interface BuiltClient {
  readonly client: ClobClient
  readonly creds: ApiKeyCreds
  /** 'env' or 'derived': where the API key came from, for the start log (never the key itself). */
  readonly credsSource: 'env' | 'derived'
}

function envCreds(c: Credentials): ApiKeyCreds | undefined {
  if (c.apiKey && c.apiSecret && c.apiPassphrase)
    return { key: c.apiKey, secret: c.apiSecret, passphrase: c.apiPassphrase }
  return undefined
}

function makeClient(setup: ClientSetup, creds: ApiKeyCreds | undefined): ClobClient {
  return new ClobClient({
    host: setup.host,
    chain: setup.chainId as Chain,
    signer: setup.signer,
    ...(creds ? { creds } : {}),
    signatureType: setup.credentials.signatureType as SignatureTypeV2,
    ...(setup.credentials.funder ? { funderAddress: setup.credentials.funder } : {}),
    throwOnError: true,
    retryOnError: false,
  })
}

/** L1: derive the existing key first (no side effect), create one only when none exists. */
async function l1Creds(setup: ClientSetup): Promise<ApiKeyCreds> {
  const l1 = makeClient(setup, undefined)
  try {
    const derived = await l1.deriveApiKey()
    if (derived.key) return derived
  } catch {
    // No key yet for this address: create it below.
  }
  const created = await l1.createApiKey()
  if (!created.key) throw new Error('could not create or derive API credentials (L1)')
  return created
}

export async function loadClobClient(setup: ClientSetup): Promise<BuiltClient> {
  const fromEnv = envCreds(setup.credentials)
  const creds = fromEnv ?? (await l1Creds(setup))
  return { client: makeClient(setup, creds), creds, credsSource: fromEnv ? 'env' : 'derived' }
}
