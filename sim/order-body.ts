// POST /order bodies (V2, and V1 when the server runs as version 1): parse with zod, recover the EIP-712 signer,
// check it may act for the maker, and turn amounts into a price/size the engine understands.
import { z } from 'zod'
import { CONTRACTS } from './contracts.ts'
import { orderV1Digest, orderV2Digest, recoverAddress, toHex } from './eip712.ts'
import type { OrderType, PlaceInput } from './engine.ts'

export { CONTRACTS } from './contracts.ts'

const Addr = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
const Bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/)
const UintStr = z.union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()]).transform((v) => BigInt(v))

const SignedOrderV2Schema = z.object({
  salt: UintStr,
  maker: Addr,
  signer: Addr,
  tokenId: UintStr,
  makerAmount: UintStr,
  takerAmount: UintStr,
  side: z.enum(['BUY', 'SELL']),
  signatureType: z.number().int().min(0).max(3),
  timestamp: UintStr,
  expiration: UintStr.default(0n),
  metadata: Bytes32,
  builder: Bytes32,
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
})

const SignedOrderV1Schema = z.object({
  salt: UintStr,
  maker: Addr,
  signer: Addr,
  taker: Addr,
  tokenId: UintStr,
  makerAmount: UintStr,
  takerAmount: UintStr,
  side: z.enum(['BUY', 'SELL']),
  expiration: UintStr,
  nonce: UintStr,
  feeRateBps: UintStr,
  signatureType: z.number().int().min(0).max(2),
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
})

export const NewOrderSchema = z.object({
  order: z.record(z.string(), z.unknown()),
  owner: z.string().min(1),
  orderType: z.enum(['GTC', 'GTD', 'FOK', 'FAK']).default('GTC'),
  postOnly: z.boolean().optional(),
  deferExec: z.boolean().optional(),
})
export type NewOrder = z.infer<typeof NewOrderSchema>

export type DecodedOrder =
  | { ok: true; input: PlaceInput; maker: string; signer: string; signatureType: number }
  | { ok: false; error: string }

export const ORDER_ERRORS = {
  invalidOrder: 'Invalid order payload',
  signature: 'invalid signature',
  owner: 'the order owner has to be the owner of the API KEY',
  signer: 'the order signer address has to be the address of the API KEY',
  maker: 'the order maker must be the signer for EOA signature type',
  version: 'order_version_mismatch',
} as const

export type OrderMarket = { negRisk: boolean; protocol: 'v1' | 'v2' }

/**
 * Decode and authenticate one order body for the API key `apiKey` of `keyAddress`. `marketOf` tells which exchange
 * contract signs for a token: Protocol V2 markets verify against ExchangeV3 (domain "3"), others against the V2
 * exchange or its neg-risk twin (undefined = unknown token, which the engine rejects later). An order signed for the
 * wrong exchange recovers another address and fails as `invalid signature`.
 */
export function decodeOrder(
  raw: unknown,
  ctx: {
    apiKey: string
    keyAddress: string
    chainId: number
    version: 1 | 2
    marketOf: (tokenId: string) => OrderMarket | undefined
  },
): DecodedOrder {
  const body = NewOrderSchema.safeParse(raw)
  if (!body.success) return { ok: false, error: ORDER_ERRORS.invalidOrder }
  if (body.data.owner !== ctx.apiKey) return { ok: false, error: ORDER_ERRORS.owner }
  const contracts = CONTRACTS[ctx.chainId]
  if (!contracts) return { ok: false, error: ORDER_ERRORS.invalidOrder }
  const o = body.data.order
  const isV2 = 'timestamp' in o && 'metadata' in o
  const isV1 = 'nonce' in o && 'feeRateBps' in o
  if (!isV1 && !isV2) return { ok: false, error: ORDER_ERRORS.invalidOrder }
  if ((ctx.version === 2) !== isV2) return { ok: false, error: ORDER_ERRORS.version }

  let maker: string
  let signer: string
  let sigType: number
  let digest: Uint8Array
  let signature: string
  let tokenId: bigint
  let makerAmount: bigint
  let takerAmount: bigint
  let side: 'BUY' | 'SELL'
  let expiration: bigint
  try {
    if (isV2) {
      const o = SignedOrderV2Schema.safeParse(body.data.order)
      if (!o.success) return { ok: false, error: ORDER_ERRORS.invalidOrder }
      const v = o.data
      const m = ctx.marketOf(v.tokenId.toString())
      const struct = { ...v, side: v.side === 'BUY' ? (0 as const) : (1 as const) }
      digest =
        m?.protocol === 'v2'
          ? orderV2Digest(struct, ctx.chainId, contracts.exchangeV3, '3')
          : orderV2Digest(struct, ctx.chainId, m?.negRisk ? contracts.negRiskExchangeV2 : contracts.exchangeV2)
      ;({ maker, signer, signature, tokenId, makerAmount, takerAmount, side, expiration } = v)
      sigType = v.signatureType
    } else {
      const o = SignedOrderV1Schema.safeParse(body.data.order)
      if (!o.success) return { ok: false, error: ORDER_ERRORS.invalidOrder }
      const v = o.data
      const neg = ctx.marketOf(v.tokenId.toString())?.negRisk ?? false
      digest = orderV1Digest(
        { ...v, side: v.side === 'BUY' ? 0 : 1 },
        ctx.chainId,
        neg ? contracts.negRiskExchange : contracts.exchange,
      )
      ;({ maker, signer, signature, tokenId, makerAmount, takerAmount, side, expiration } = v)
      sigType = v.signatureType
    }
  } catch {
    return { ok: false, error: ORDER_ERRORS.invalidOrder }
  }

  // POLY_1271 (smart-contract wallet) signatures cannot be checked without the chain; only ECDSA types are accepted.
  if (sigType === 3) return { ok: false, error: ORDER_ERRORS.signature }
  const recovered = recoverAddress(digest, signature)
  if (!recovered || recovered !== signer.toLowerCase()) return { ok: false, error: ORDER_ERRORS.signature }
  if (recovered !== ctx.keyAddress) return { ok: false, error: ORDER_ERRORS.signer }
  // EOA orders: the signer is the maker. Proxy and Safe wallets (1, 2): the signer acts for its funder/maker.
  if (sigType === 0 && maker.toLowerCase() !== recovered) return { ok: false, error: ORDER_ERRORS.maker }
  if (makerAmount === 0n || takerAmount === 0n) return { ok: false, error: ORDER_ERRORS.invalidOrder }

  const orderType: OrderType = body.data.orderType
  const [usdc, shares] = side === 'BUY' ? [makerAmount, takerAmount] : [takerAmount, makerAmount]
  // Exact ratios stay integral; anything else is passed as a fraction (the engine rejects it for resting orders
  // and snaps it to the grid for FOK/FAK market orders, whose implied price is rarely exact).
  const scaled = usdc * 10_000n
  const price = scaled % shares === 0n ? Number(scaled / shares) : Number(scaled) / Number(shares)
  if (shares > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: ORDER_ERRORS.invalidOrder }

  return {
    ok: true,
    maker: maker.toLowerCase(),
    signer: recovered,
    signatureType: sigType,
    input: {
      id: toHex(digest),
      owner: ctx.apiKey,
      address: maker.toLowerCase(),
      tokenId: tokenId.toString(),
      side,
      price,
      size: Number(shares),
      orderType,
      postOnly: body.data.postOnly ?? false,
      expiration: Number(expiration),
    },
  }
}
