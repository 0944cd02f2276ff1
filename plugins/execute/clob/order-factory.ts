import { randomBytes } from 'node:crypto'
import { Side as ClientSide, SignatureTypeV2, type SignedOrder } from '@polymarket/clob-client-v2'
import type { Market, OrderIntent } from '../../../schemas/domain.ts'
import { orderAmounts } from './amounts.ts'
import { exchangeDomain, type FastSigner, type TypedDataDomain } from './fast-signer.ts'

/**
 * Builds and signs V2 limit orders without the client's async builder: amounts exactly as the client computes
 * them (amounts.ts), the EIP-712 hash and signature in one pass (fast-signer.ts). The hash is the order id, so it
 * is known before the order is sent and any later event can be attached to it.
 */

const ZERO_32 = `0x${'0'.repeat(64)}`

export interface BuiltOrder {
  /** EIP-712 order hash: the exchange's order id. */
  readonly id: string
  readonly order: SignedOrder
}

export interface OrderFactory {
  readonly maker: string
  readonly signerAddress: string
  build(intent: OrderIntent, market: Market, now: number): BuiltOrder
}

export interface OrderFactoryOptions {
  readonly signer: FastSigner
  /** Funder (proxy/safe) address; the signer's own address for EOA. */
  readonly funder: string | undefined
  readonly signatureType: number
  readonly chainId: number
}

/** A salt the way the client draws it (a decimal integer), from a CSPRNG so two orders never share one. */
function salt(): string {
  const b = randomBytes(6)
  return String(b.readUIntBE(0, 6))
}

export function createOrderFactory(opts: OrderFactoryOptions): OrderFactory {
  if (opts.signatureType === SignatureTypeV2.POLY_1271) {
    throw new Error('signature type 3 (POLY_1271) is not supported by the fast order path')
  }
  if (![0, 1, 2].includes(opts.signatureType)) throw new Error(`invalid signature type ${opts.signatureType}`)
  const signerAddress = opts.signer.address
  const maker = opts.funder ?? signerAddress
  const domains = new Map<boolean, TypedDataDomain>()
  const domain = (negRisk: boolean) => {
    let d = domains.get(negRisk)
    if (!d) domains.set(negRisk, (d = exchangeDomain(opts.chainId, negRisk, 2)))
    return d
  }
  return {
    maker,
    signerAddress,
    build(intent, market, now) {
      const amounts = orderAmounts(intent.side, intent.price, intent.size, market.tickSize)
      const fields = {
        salt: salt(),
        maker,
        signer: signerAddress,
        tokenId: intent.tokenId,
        makerAmount: amounts.makerAmount,
        takerAmount: amounts.takerAmount,
        side: intent.side === 'BUY' ? ClientSide.BUY : ClientSide.SELL,
        signatureType: opts.signatureType as SignatureTypeV2,
        timestamp: String(Math.floor(now)),
        metadata: ZERO_32,
        builder: ZERO_32,
        expiration: '0',
      }
      const { hash, signature } = opts.signer.signOrder(fields, domain(market.negRisk))
      return { id: hash, order: { ...fields, signature } }
    },
  }
}
