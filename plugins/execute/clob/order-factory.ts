import { randomBytes } from 'node:crypto'
import { Side as ClientSide, SignatureTypeV2, type SignedOrder } from '@polymarket/clob-client-v2'
import type { Market, OrderIntent } from '../../../schemas/domain.ts'
import { orderAmounts } from './amounts.ts'
import { exchangeDomain, type FastSigner, type TypedDataDomain } from './fast-signer.ts'

/**
 * Builds and signs V2 limit orders (for ExchangeV3 when the market is a Protocol V2 one) without the client's async builder: amounts exactly as the client computes
 * them (amounts.ts), the EIP-712 hash and signature in one pass (fast-signer.ts). The hash is the order id, so it
 * is known before the order is sent and any later event can be attached to it. Every signature type the client
 * supports for V2 orders, POLY_1271 (deposit wallet) included: there the order's signer is the wallet itself
 * and the signature is the wrapped one signOrder builds, exactly as the client does.
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
  /** `tickSize`: the book's tick for the intent's token (it follows tick_size_change; the market's may lag). */
  build(intent: OrderIntent, market: Market, now: number, tickSize?: number): BuiltOrder
}

export interface OrderFactoryOptions {
  readonly signer: FastSigner
  /** Funder (proxy/safe) address; the signer's own address for EOA. */
  readonly funder: string | undefined
  readonly signatureType: number
  readonly chainId: number
  /** Salt source; default a CSPRNG draw. Tests pin it to compare with the client's orders byte for byte. */
  readonly salt?: () => string
}

/** A salt the way the client draws it (a decimal integer), from a CSPRNG so two orders never share one. */
function randomSalt(): string {
  const b = randomBytes(6)
  return String(b.readUIntBE(0, 6))
}

export function createOrderFactory(opts: OrderFactoryOptions): OrderFactory {
  if (![0, 1, 2, 3].includes(opts.signatureType)) throw new Error(`invalid signature type ${opts.signatureType}`)
  const signerAddress = opts.signer.address
  const maker = opts.funder ?? signerAddress
  // A deposit wallet signs through EIP-1271: the order names the wallet as its signer (client createOrder).
  const orderSigner = opts.signatureType === SignatureTypeV2.POLY_1271 ? maker : signerAddress
  const salt = opts.salt ?? randomSalt
  // Protocol V2 markets settle on the one ExchangeV3 (domain version "3"); the others on CTFExchangeV2 or its
  // neg-risk twin (protocol doc §7.1).
  const v3 = exchangeDomain(opts.chainId, false, 3)
  const v2 = { plain: exchangeDomain(opts.chainId, false, 2), negRisk: exchangeDomain(opts.chainId, true, 2) }
  const domain = (market: Market): TypedDataDomain =>
    market.protocol === 'v2' ? v3 : market.negRisk ? v2.negRisk : v2.plain
  return {
    maker,
    signerAddress,
    build(intent, market, now, tickSize = market.tickSize) {
      const amounts = orderAmounts(intent.side, intent.price, intent.size, tickSize)
      const fields = {
        salt: salt(),
        maker,
        signer: orderSigner,
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
      const { hash, signature } = opts.signer.signOrder(fields, domain(market))
      return { id: hash, order: { ...fields, signature } }
    },
  }
}
