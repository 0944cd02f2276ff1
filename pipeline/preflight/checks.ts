import type { AccountFacts, AllowanceFacts } from './account-facts.ts'
import { hasAllowance, type Requirement, requiredAllowances } from './spenders.ts'

/** The verdict on each fact, pure: what a person must know before the daemon trades this account. */

export type Severity = 'ok' | 'warn' | 'problem'

export interface Finding {
  readonly check: string
  readonly severity: Severity
  readonly detail: string
  /** What to do about a problem or warning. */
  readonly fix?: string
}

/** L2 requests carry a timestamp the server checks; past about this much drift they are refused. */
const MAX_SKEW_MS = 30_000
const WARN_SKEW_MS = 2_000

const SIGNATURE_TYPES: Readonly<Record<number, string>> = {
  0: 'EOA',
  1: 'POLY_PROXY',
  2: 'POLY_GNOSIS_SAFE',
  3: 'POLY_1271',
}

function identity(f: AccountFacts): Finding[] {
  const type = SIGNATURE_TYPES[f.signatureType] ?? `unknown (${f.signatureType})`
  const out: Finding[] = []
  const detail = `signature type ${f.signatureType} ${type}, signer ${f.signer}, funder ${f.funder ?? '(none)'}`
  if (f.signatureType === 3) {
    out.push({
      check: 'signature type',
      severity: 'problem',
      detail: `${detail}: POLY_1271 orders through @polymarket/clob-client-v2 are refused ("order signer address has to be the address of the API KEY", clob-client-v2 #66, #73)`,
      fix: 'use an EOA (0), proxy (1) or Safe (2) account',
    })
  } else if (f.signatureType !== 0 && (!f.funder || f.funder.toLowerCase() === f.signer.toLowerCase())) {
    out.push({
      check: 'signature type',
      severity: 'problem',
      detail: `${detail}: a proxy or Safe account trades for a funder other than the signer`,
      fix: 'set BROWSER_ADDRESS (exchange.with.funder) to the address Polymarket shows as your wallet',
    })
  } else if (f.signatureType === 0 && f.funder && f.funder.toLowerCase() !== f.signer.toLowerCase()) {
    out.push({
      check: 'signature type',
      severity: 'problem',
      detail: `${detail}: an EOA account's funder is the signer itself`,
      fix: 'unset the funder, or use signature_type 1 or 2 for a proxy/Safe wallet',
    })
  } else out.push({ check: 'signature type', severity: 'ok', detail })
  return out
}

function apiKey(f: AccountFacts): Finding {
  const from = f.credsSource === 'env' ? 'from the environment' : 'derived with L1'
  if (f.apiKeyListed === undefined)
    return {
      check: 'API key',
      severity: 'problem',
      detail: `API key (${from}) could not be checked: ${f.failures['GET /auth/api-keys'] ?? 'no answer'}`,
      fix: 'an API key not bound to this signer is refused (401): unset the API_* variables to derive the right one',
    }
  return f.apiKeyListed
    ? { check: 'API key', severity: 'ok', detail: `API key (${from}) is bound to the signer` }
    : {
        check: 'API key',
        severity: 'problem',
        detail: `API key (${from}) is not among the signer's keys`,
        fix: 'unset the API_* variables to derive the key of this signer',
      }
}

function allowanceFindings(
  req: Requirement,
  facts: AllowanceFacts | 'no-market' | undefined,
  f: AccountFacts,
): Finding[] {
  const check = `allowances ${req.asset}`
  if (facts === undefined)
    return [
      {
        check,
        severity: 'problem',
        detail: `not readable: ${f.failures[`GET /balance-allowance ${req.asset}`] ?? f.failures['GET gamma /markets'] ?? 'no answer'}`,
      },
    ]
  if (facts === 'no-market')
    return [
      {
        check,
        severity: 'warn',
        detail: `no open ${req.asset === 'CONDITIONAL-V2' ? 'V2' : 'V1'} market to read it for`,
      },
    ]
  const missing = req.spenders.filter((s) => !hasAllowance(facts.allowances, s.address))
  if (missing.length === 0)
    return [{ check, severity: 'ok', detail: `every spender approved (${req.spenders.map((s) => s.name).join(', ')})` }]
  return missing.map((s) => ({
    check,
    severity: 'problem' as const,
    detail: `missing allowance for ${s.name} ${s.address}`,
    fix: req.grant(s),
  }))
}

export function evaluate(f: AccountFacts): Finding[] {
  const out: Finding[] = [...identity(f), apiKey(f)]

  if (f.clockSkewMs === undefined)
    out.push({
      check: 'clock',
      severity: 'problem',
      detail: `server time not readable: ${f.failures['GET /time'] ?? ''}`,
    })
  else {
    const s = Math.abs(f.clockSkewMs)
    const detail = `ours is ${(s / 1000).toFixed(2)} s ${f.clockSkewMs >= 0 ? 'behind' : 'ahead of'} the server`
    out.push(
      s > MAX_SKEW_MS
        ? {
            check: 'clock',
            severity: 'problem',
            detail,
            fix: 'synchronise the clock (NTP): signed requests are refused',
          }
        : s > WARN_SKEW_MS
          ? { check: 'clock', severity: 'warn', detail, fix: 'synchronise the clock (NTP)' }
          : { check: 'clock', severity: 'ok', detail },
    )
  }

  if (f.closedOnly === true)
    out.push({
      check: 'closed-only',
      severity: 'problem',
      detail: 'the account is in closed-only mode: it may only reduce positions',
    })
  else if (f.closedOnly === false)
    out.push({ check: 'closed-only', severity: 'ok', detail: 'the account may open positions' })

  if (f.collateral)
    out.push(
      f.collateral.balance > 0
        ? { check: 'pUSD', severity: 'ok', detail: `${f.collateral.balance.toFixed(2)} pUSD` }
        : {
            check: 'pUSD',
            severity: 'problem',
            detail: '0 pUSD: no BUY can be placed',
            fix: 'deposit pUSD to the funder',
          },
    )
  if (f.positions)
    out.push({
      check: 'tokens',
      severity: 'ok',
      detail: `${f.positions.tokens} token position(s), ${f.positions.shares.toFixed(2)} shares in all`,
    })
  else
    out.push({
      check: 'tokens',
      severity: 'warn',
      detail: `positions not readable: ${f.failures['GET data-api /positions']}`,
    })

  const reqs = requiredAllowances(f.chainId)
  for (const req of reqs) {
    const facts =
      req.asset === 'COLLATERAL' ? f.collateral : req.asset === 'CONDITIONAL' ? f.conditional : f.conditionalV2
    out.push(...allowanceFindings(req, facts, f))
  }

  if (f.rateLimit)
    out.push({
      check: 'rate-limit tier',
      severity: f.rateLimit.warning ? 'warn' : 'ok',
      detail: f.rateLimit.tier
        ? `tier ${f.rateLimit.tier}${f.rateLimit.limit ? `, limit ${f.rateLimit.limit}` : ''}${f.rateLimit.remaining ? `, remaining ${f.rateLimit.remaining}` : ''}${f.rateLimit.warning ? ' (warning mode: over the limit)' : ''}`
        : 'no Poly-RateLimit-Tier header: the daemon assumes the Standard tier',
    })
  else
    out.push({
      check: 'rate-limit tier',
      severity: 'warn',
      detail: `not readable: ${f.failures['DELETE /order (rate-limit headers)']}`,
    })

  if (f.probe === undefined)
    out.push({
      check: 'orders admitted',
      severity: 'warn',
      detail: 'not checked: deposit-wallet accounts are refused only at POST /order',
      fix: 'run with --probe-order (places and cancels one minimum-size post-only BUY at the lowest price)',
    })
  else if (f.probe.ok)
    out.push({
      check: 'orders admitted',
      severity: 'ok',
      detail: `a probe order on "${f.probe.market}" was accepted and cancelled`,
    })
  else
    out.push({
      check: 'orders admitted',
      severity: 'problem',
      detail: `the probe order was refused: ${f.probe.error}`,
      ...(f.probe.error.includes('deposit wallet')
        ? {
            fix: 'this account must use the deposit-wallet flow, which the official TypeScript client cannot sign for yet (§7.5)',
          }
        : {}),
    })
  return out
}
