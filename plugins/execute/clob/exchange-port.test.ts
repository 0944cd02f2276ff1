import { describe, expect, test } from 'bun:test'
import type { ClobClient } from '@polymarket/clob-client-v2'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createClobPort, ExchangeError } from './exchange-port.ts'
import { createFastSigner } from './fast-signer.ts'
import { createTradingHttp } from './trading-http.ts'

/** A client whose getOrder fails as the HTTP layer reports it (throwOnError: an error carrying the status). */
function portFailingWith(status: number) {
  const client = {
    async getOrder() {
      throw Object.assign(new Error(`status ${status}`), { status })
    },
  } as unknown as ClobClient
  const trading = createTradingHttp({
    host: 'http://127.0.0.1:0',
    creds: { key: 'k', secret: 'AAAA', passphrase: 'p' },
    signer: createFastSigner(`0x${'11'.repeat(32)}`),
  })
  return createClobPort({
    client,
    trading,
    clock: createManualClock(),
    dataApiUrl: 'http://127.0.0.1:0',
    timeoutMs: 1000,
  })
}

describe('clob port', () => {
  test('GET /data/order answered 404: the order is not found (not a rejection)', async () => {
    expect(await portFailingWith(404).getOrder('0xabc')).toBeUndefined()
  })

  test('GET /data/order answered 500: a failure, not a "not found"', async () => {
    const err = await portFailingWith(500)
      .getOrder('0xabc')
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ExchangeError)
    expect((err as ExchangeError).kind).toBe('ambiguous')
  })
})
