import { loadClobClient } from '../../plugins/execute/clob/client.ts'
import { createFastSigner } from '../../plugins/execute/clob/fast-signer.ts'
import type { ExchangeHost } from '../exchange.ts'
import { type AccountFacts, gatherAccountFacts } from './account-facts.ts'

/** What the exchange says of the account `host` trades for (one probe order with `probeOrder`). */
export async function checkAccount(host: ExchangeHost, probeOrder: boolean): Promise<AccountFacts> {
  const { privateKey } = host.credentials
  if (!privateKey) throw new Error('no private key (PK) in the environment')
  const signer = createFastSigner(privateKey)
  const built = await loadClobClient({
    host: host.endpoints.clobUrl,
    chainId: host.endpoints.chainId,
    signer,
    credentials: host.credentials,
  })
  return gatherAccountFacts({
    client: built.client,
    creds: built.creds,
    credsSource: built.credsSource,
    signer,
    credentials: host.credentials,
    endpoints: host.endpoints,
    probeOrder,
  })
}
