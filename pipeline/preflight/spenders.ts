import { getContractConfig } from '@polymarket/clob-client-v2'

/**
 * Who must be allowed to move the account's funds before the exchange accepts its orders (protocol §7.5):
 * pUSD approved for every exchange that settles our BUYs, and the outcome tokens approved (setApprovalForAll)
 * for every exchange that settles our SELLs. V1 markets settle on CTFExchangeV2 or the neg-risk exchange (through
 * the NegRiskAdapter); V2 markets on ExchangeV3, whose positions (CONDITIONAL-V2) live apart from the CTF tokens.
 */

export type AssetType = 'COLLATERAL' | 'CONDITIONAL' | 'CONDITIONAL-V2'

export interface Spender {
  readonly name: string
  readonly address: string
}

export interface Requirement {
  readonly asset: AssetType
  readonly spenders: readonly Spender[]
  /** How to grant a missing allowance, for the report. */
  readonly grant: (spender: Spender) => string
}

export function requiredAllowances(chainId: number): readonly Requirement[] {
  const c = getContractConfig(chainId)
  const exchangeV2 = { name: 'CTFExchangeV2', address: c.exchangeV2 }
  const negRiskExchange = { name: 'NegRiskCtfExchangeV2', address: c.negRiskExchangeV2 }
  const adapter = { name: 'NegRiskAdapter', address: c.negRiskAdapter }
  const exchangeV3 = { name: 'ExchangeV3', address: c.exchangeV3 }
  return [
    {
      asset: 'COLLATERAL',
      spenders: [exchangeV2, negRiskExchange, adapter, exchangeV3],
      grant: (s) => `from the funder, call approve(${s.address}, max) on pUSD ${c.collateral}`,
    },
    {
      asset: 'CONDITIONAL',
      spenders: [exchangeV2, negRiskExchange, adapter],
      grant: (s) =>
        `from the funder, call setApprovalForAll(${s.address}, true) on ConditionalTokens ${c.conditionalTokens}`,
    },
    {
      asset: 'CONDITIONAL-V2',
      spenders: [exchangeV3],
      grant: (s) => `from the funder, call setApprovalForAll(${s.address}, true) on the V2 PositionManager`,
    },
  ]
}

/** An allowance the exchange reports, by spender; absent, unparsable or zero is missing. */
export function hasAllowance(allowances: Readonly<Record<string, string>>, spender: string): boolean {
  const entry = Object.entries(allowances).find(([k]) => k.toLowerCase() === spender.toLowerCase())
  if (!entry) return false
  try {
    return BigInt(entry[1]) > 0n
  } catch {
    return false
  }
}
