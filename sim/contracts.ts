// Contract addresses per chain (clob-client-v2 `getContractConfig`), and which spender each trade needs approved.
export type Contracts = {
  exchange: string
  negRiskExchange: string
  exchangeV2: string
  negRiskExchangeV2: string
  /** Protocol V2 markets settle here (domain version "3"); one contract for plain and neg-risk markets. */
  exchangeV3: string
  negRiskAdapter: string
}

export const CONTRACTS: Record<number, Contracts> = {
  137: {
    exchange: '0x4bFb41d5B3570DeFd03C39a9A4D8dE6Bd8B8982E',
    negRiskExchange: '0xC5d563A36AE78145C45a50134d48A1215220f80a',
    exchangeV2: '0xE111180000d2663C0091e4f400237545B87B996B',
    negRiskExchangeV2: '0xe2222d279d744050d28e00520010520000310F59',
    exchangeV3: '0xe3333700cA9d93003F00f0F71f8515005F6c00Aa',
    negRiskAdapter: '0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296',
  },
  80002: {
    exchange: '0xdFE02Eb6733538f8Ea35D585af8DE5958AD99E40',
    negRiskExchange: '0xC5d563A36AE78145C45a50134d48A1215220f80a',
    exchangeV2: '0xE111180000d2663C0091e4f400237545B87B996B',
    negRiskExchangeV2: '0xe2222d279d744050d28e00520010520000310F59',
    exchangeV3: '0x9fE6e61422AdB6F610d8597F9684b16912D50C3D',
    negRiskAdapter: '0xd91E80cF2E7be2e162c6513ceD06f1dD0dA35296',
  },
}

export type AssetType = 'COLLATERAL' | 'CONDITIONAL' | 'CONDITIONAL-V2'

/** Every spender GET /balance-allowance reports, per asset type (§7.5). */
export function spendersOf(c: Contracts, asset: AssetType): string[] {
  if (asset === 'COLLATERAL') return [c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter, c.exchangeV3]
  if (asset === 'CONDITIONAL') return [c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter]
  // V2 positions live in the PositionManager; the operator approved there is ExchangeV3.
  return [c.exchangeV3]
}

/** The approvals an order needs: BUY spends pUSD, SELL moves outcome tokens. */
export function requiredApprovals(
  c: Contracts,
  market: { protocol: 'v1' | 'v2'; negRisk: boolean },
  side: 'BUY' | 'SELL',
): Array<{ asset: AssetType; spender: string }> {
  if (market.protocol === 'v2')
    return [{ asset: side === 'BUY' ? 'COLLATERAL' : 'CONDITIONAL-V2', spender: c.exchangeV3 }]
  const asset: AssetType = side === 'BUY' ? 'COLLATERAL' : 'CONDITIONAL'
  if (!market.negRisk) return [{ asset, spender: c.exchangeV2 }]
  return [
    { asset, spender: c.negRiskExchangeV2 },
    { asset, spender: c.negRiskAdapter },
  ]
}
