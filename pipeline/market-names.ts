import type { Market } from '../schemas/domain.ts'

/**
 * Names for people: a market by its (shortened) question, a token by question and outcome, so a log line
 * reads `"Will it rain in…?" YES` instead of a 78-digit token id. The ids go to the JSON fields.
 */

const SHORT_QUESTION = 48

export function shortQuestion(question: string, max = SHORT_QUESTION): string {
  const q = question.trim().replace(/\s+/g, ' ')
  if (q.length === 0) return '(no question)'
  return q.length <= max ? q : `${q.slice(0, max - 1).trimEnd()}…`
}

export type Outcome = 'YES' | 'NO'

export function outcomeOf(market: Pick<Market, 'yesTokenId' | 'noTokenId'>, tokenId: string): Outcome | undefined {
  if (tokenId === market.yesTokenId) return 'YES'
  if (tokenId === market.noTokenId) return 'NO'
  return undefined
}

/** `"Will X…?"` */
export function marketLabel(market: Pick<Market, 'question'>): string {
  return `"${shortQuestion(market.question)}"`
}

/** `"Will X…?" YES`; a token of neither side keeps a short id so the line still says which. */
export function tokenLabel(market: Pick<Market, 'question' | 'yesTokenId' | 'noTokenId'>, tokenId: string): string {
  return `${marketLabel(market)} ${outcomeOf(market, tokenId) ?? `token ${tokenId.slice(0, 8)}…`}`
}

export interface TokenName {
  readonly conditionId: string
  readonly question: string
  readonly outcome: Outcome
}

/** token → market and outcome, filled by the daemon from each selection. */
export interface TokenNames {
  update(markets: readonly Market[]): void
  token(tokenId: string): TokenName | undefined
  market(conditionId: string): Market | undefined
  /** `"Will X…?" YES`, or a short id when the token is not (or no longer) in the selection. */
  describeToken(tokenId: string): string
  describeMarket(conditionId: string): string
}

export function createTokenNames(): TokenNames {
  const tokens = new Map<string, TokenName>()
  const markets = new Map<string, Market>()
  return {
    update(list) {
      // Markets that left keep their names: a late fill or the exit table still names them.
      for (const m of list) {
        markets.set(m.conditionId, m)
        tokens.set(m.yesTokenId, { conditionId: m.conditionId, question: m.question, outcome: 'YES' })
        tokens.set(m.noTokenId, { conditionId: m.conditionId, question: m.question, outcome: 'NO' })
      }
    },
    token: (id) => tokens.get(id),
    market: (id) => markets.get(id),
    describeToken(id) {
      const t = tokens.get(id)
      return t ? `"${shortQuestion(t.question)}" ${t.outcome}` : `token ${id.slice(0, 10)}…`
    },
    describeMarket(id) {
      const m = markets.get(id)
      return m ? marketLabel(m) : `market ${id.slice(0, 10)}…`
    },
  }
}
