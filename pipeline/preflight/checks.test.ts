import { describe, expect, test } from 'bun:test'
import { getContractConfig } from '@polymarket/clob-client-v2'
import type { AccountFacts } from './account-facts.ts'
import { evaluate } from './checks.ts'
import { formatFindings } from './format.ts'

const c = getContractConfig(137)
const ALL = (addrs: string[]) =>
  Object.fromEntries(
    addrs.map((a) => [a, '115792089237316195423570985008687907853269984665640564039457584007913129639935']),
  )
const signer = '0x1111111111111111111111111111111111111111'

function facts(over: Partial<AccountFacts> = {}): AccountFacts {
  return {
    signer,
    funder: signer,
    signatureType: 0,
    chainId: 137,
    credsSource: 'derived',
    clockSkewMs: 120,
    apiKeyListed: true,
    closedOnly: false,
    collateral: { balance: 500, allowances: ALL([c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter, c.exchangeV3]) },
    conditional: { tokenId: '1', balance: 0, allowances: ALL([c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter]) },
    conditionalV2: { tokenId: '2', balance: 0, allowances: ALL([c.exchangeV3]) },
    positions: { tokens: 2, shares: 40 },
    rateLimit: { tier: 'standard', warning: false },
    probe: { ok: true, market: 'm' },
    failures: {},
    ...over,
  }
}
const problems = (f: AccountFacts) => evaluate(f).filter((x) => x.severity === 'problem')

describe('preflight checks', () => {
  test('a healthy account has no problem', () => {
    expect(problems(facts())).toEqual([])
    expect(formatFindings(evaluate(facts()))).toContain('ready to trade')
  })

  test('every missing allowance is named by spender, with how to grant it', () => {
    const f = facts({
      collateral: { balance: 500, allowances: ALL([c.exchangeV2]) },
      conditional: { balance: 0, allowances: { [c.exchangeV2]: '0' } },
    })
    const p = problems(f).map((x) => x.detail)
    expect(p).toContain(`missing allowance for NegRiskCtfExchangeV2 ${c.negRiskExchangeV2}`)
    expect(p).toContain(`missing allowance for ExchangeV3 ${c.exchangeV3}`)
    expect(p.filter((d) => d.includes('NegRiskAdapter'))).toHaveLength(2)
    expect(p.filter((d) => d.includes('CTFExchangeV2 '))).toHaveLength(1) // a zero allowance is missing
    expect(problems(f).every((x) => x.fix?.includes('from the funder'))).toBe(true)
  })

  test('spender addresses match whatever case the exchange answers in', () => {
    const lower = facts({ conditionalV2: { balance: 0, allowances: ALL([c.exchangeV3.toLowerCase()]) } })
    expect(problems(lower)).toEqual([])
  })

  test('a deposit-wallet account, a foreign API key, closed-only, a skewed clock and no pUSD are each a problem', () => {
    const f = facts({
      probe: { ok: false, error: 'maker address not allowed, please use the deposit wallet flow' },
      apiKeyListed: false,
      closedOnly: true,
      clockSkewMs: -45_000,
      collateral: { balance: 0, allowances: ALL([c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter, c.exchangeV3]) },
    })
    expect(
      problems(f)
        .map((x) => x.check)
        .sort(),
    ).toEqual(['API key', 'clock', 'closed-only', 'orders admitted', 'pUSD'])
    expect(problems(f).find((x) => x.check === 'orders admitted')?.fix).toContain('deposit-wallet')
  })

  test('a proxy account without a funder, and POLY_1271, are refused before any request matters', () => {
    expect(problems(facts({ signatureType: 2, funder: undefined })).map((x) => x.check)).toEqual(['signature type'])
    expect(problems(facts({ signatureType: 3 }))[0]?.detail).toContain('POLY_1271')
  })

  test('a read that failed is a problem naming the exchange answer, never a silent pass', () => {
    const f = facts({ collateral: undefined, failures: { 'GET /balance-allowance COLLATERAL': 'HTTP 500 boom' } })
    const p = problems(f)
    expect(p.some((x) => x.check === 'allowances COLLATERAL' && x.detail.includes('HTTP 500 boom'))).toBe(true)
  })

  test('without --probe-order the deposit-wallet check is a warning that says how to run it', () => {
    const w = evaluate(facts({ probe: undefined })).find((x) => x.check === 'orders admitted')
    expect(w?.severity).toBe('warn')
    expect(w?.fix).toContain('--probe-order')
  })
})
