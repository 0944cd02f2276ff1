import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../../../pipeline/testing.ts'
import type { SelectionRow } from '../../../schemas/domain.ts'
import gammaPlugin from './index.ts'
import { gammaObject, idsOf } from './test-support/gamma-objects.ts'

const FIXTURES = join(import.meta.dir, '../../../tests/fixtures/wire')
type Json = Record<string, unknown>

/** The captures predate Gamma's `version` field; read here as the V1 markets they are. */
function fixture(name: string): Json {
  return { ...(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Json), version: 'v1' }
}
function tokensOf(m: Json): [string, string] {
  return idsOf(m) as [string, string]
}

const BTC = fixture('gamma_market.json') // open, accepting, fees on
const CLOSED_ACCEPTING = fixture('gamma_market_closed_binary_accepting_true.json')
const CLOSED = fixture('gamma_market_closed_binary_accepting_false.json')
const LEGACY = fixture('gamma_market_closed_zero_zero_legacy.json')
// Open but paused: derived from the BTC fixture with its own ids.
const PAUSED: Json = {
  ...BTC,
  conditionId: `0x${'12'.repeat(32)}`,
  question: 'Paused market?',
  clobTokenIds: JSON.stringify(['1001', '1002']),
  acceptingOrders: false,
}
// Open binary markets for the chunking test.
const MANY: Json[] = Array.from({ length: 5 }, (_, i) => ({
  ...BTC,
  conditionId: `0x${(i + 1).toString(16).padStart(64, '0')}`,
  question: `Market ${i}?`,
  clobTokenIds: JSON.stringify([`${9000 + 2 * i}`, `${9001 + 2 * i}`]),
}))

// Protocol V2 (§7.1), written from the protocol facts: ids chosen by `version`, whatever else is present.
const V2 = gammaObject('v2', [
  '81000000000000000000000000000000000000000000000000000000000000000001',
  '81000000000000000000000000000000000000000000000000000000000000000002',
])
const V2_BOTH = gammaObject(
  'v2',
  [
    '82000000000000000000000000000000000000000000000000000000000000000001',
    '82000000000000000000000000000000000000000000000000000000000000000002',
  ],
  {
    clobTokenIds: JSON.stringify(['8201', '8202']),
  },
)
const V1_BOTH = gammaObject('v1', ['8301', '8302'], { positionIds: ['8311', '8312'] })
const NO_VERSION = gammaObject('v2', ['8401', '8402'], { version: undefined })
const V3 = gammaObject('v2', ['8501', '8502'], { version: 'v3' })
const V2_MARKETS = [V2, V2_BOTH, V1_BOTH, NO_VERSION, V3]

interface GammaServer {
  url: string
  requests: URL[]
  failWith: number | undefined
  hang: boolean
  extra: unknown[]
  stop(): Promise<void>
}

let gamma: GammaServer

beforeAll(() => {
  const all = [
    ...readdirSync(FIXTURES)
      .filter((f) => f.startsWith('gamma_market') && f.endsWith('.json'))
      .map(fixture),
    PAUSED,
    ...MANY,
  ]
  const state: Omit<GammaServer, 'url' | 'stop'> = { requests: [], failWith: undefined, hang: false, extra: [] }
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      state.requests.push(url)
      if (state.hang) await new Promise(() => {})
      if (state.failWith) return new Response('{"error":"upstream"}', { status: state.failWith })
      if (url.pathname !== '/gamma/markets') return new Response('not found', { status: 404 })
      const wanted = new Set(url.searchParams.getAll('clob_token_ids'))
      const hits = [...all, ...V2_MARKETS].filter((m) => tokensOf(m).some((t) => wanted.has(t)))
      return Response.json([...hits, ...state.extra])
    },
  })
  gamma = Object.assign(state, {
    url: `http://127.0.0.1:${server.port}/gamma`,
    stop: () => server.stop(true),
  }) as GammaServer
})

afterAll(async () => {
  await gamma.stop()
})

function ctx(clock = createManualClock()): TestContext {
  return createTestContext({ stage: 'enrich', plugin: 'gamma', exchange: { gammaUrl: gamma.url }, clock })
}

function rowFor(m: Json, origin: string, over: Partial<SelectionRow> = {}): SelectionRow {
  const [t1, t2] = tokensOf(m)
  return { token1: t1, token2: t2, origin, ...over }
}

const signal = new AbortController().signal

describe('gamma enrich', () => {
  test('builds the Market from the Gamma fields, YES = token1, NO = token2', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const row = rowFor(BTC, 'sheet row 2', { liquidity: 20_328 })
    const out = await enrich.run({ rows: [row], markets: [], signal })
    const [yes, no] = tokensOf(BTC)
    expect(out.excluded).toEqual([])
    expect(out.markets).toEqual([
      {
        conditionId: '0xc1c4d7fb6c3bf9959478151d653c72531c0a568abad7fc8c714fb29a08658800',
        question: 'Ethereum Up or Down - November 20, 2:15PM-2:20PM ET',
        yesTokenId: yes,
        noTokenId: no,
        tickSize: 0.01,
        minOrderSize: 5,
        negRisk: false,
        endDate: Date.UTC(2025, 10, 20, 19, 20),
        acceptingOrders: true,
        closed: false,
        rewardsMinSize: 40,
        rewardsMaxSpread: 3.5,
        feeRateBps: 1000,
        protocol: 'v1',
        selection: row,
      },
    ])
    const req = gamma.requests.at(-1)
    expect(req?.pathname).toBe('/gamma/markets')
    expect(req?.searchParams.getAll('clob_token_ids')).toEqual([yes, no])
  })

  test('closed, paused and unknown markets are excluded with a logged reason; the rest are used', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const out = await enrich.run({
      rows: [
        rowFor(CLOSED_ACCEPTING, 'r2'),
        rowFor(CLOSED, 'r3'),
        rowFor(PAUSED, 'r4'),
        { token1: '424242', token2: '434343', origin: 'r5' },
        rowFor(BTC, 'r6'),
        rowFor(LEGACY, 'r7'),
      ],
      markets: [],
      signal,
    })
    expect(out.markets.map((m) => m.selection?.origin)).toEqual(['r6'])
    expect(out.excluded).toEqual([
      { origin: 'r2', reason: 'market is closed' },
      { origin: 'r3', reason: 'market is closed' },
      { origin: 'r4', reason: 'market is not accepting orders' },
      { origin: 'r5', reason: 'market not found on Gamma (by token1/token2)' },
      { origin: 'r7', reason: 'market is closed' },
    ])
    expect(c.lines).toContain(
      '[warn] enrich/gamma: r2: excluded: market is closed (market 0x2ef216417da4f07921efa7f8fb29c48c65ce8f4163e15d8ec2517aae8498b8dd: Will the Lisbon metro Red Line extension open by end of 2027?)',
    )
    expect(c.lines).toContain('[warn] enrich/gamma: r5: excluded: market not found on Gamma (by token1/token2)')
  })

  test('swapped tokens are an error naming the row', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const [yes, no] = tokensOf(BTC)
    const out = await enrich.run({ rows: [{ token1: no, token2: yes, origin: 'sheet row 9' }], markets: [], signal })
    expect(out.markets).toEqual([])
    expect(out.excluded[0]?.origin).toBe('sheet row 9')
    expect(out.excluded[0]?.reason).toStartWith('token1 and token2 are swapped')
    const logged = c.lines.find((l) => l.startsWith('[error]'))
    expect(logged).toContain('sheet row 9: excluded: token1 and token2 are swapped')
  })

  test('a wrong token2 or a wrong condition_id is an error naming the row', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const [yes] = tokensOf(BTC)
    const out = await enrich.run({
      rows: [
        { token1: yes, token2: '55555', origin: 'file.csv:3' },
        rowFor(MANY[0] as Json, 'file.csv:4', { condition_id: `0x${'ff'.repeat(32)}` }),
      ],
      markets: [],
      signal,
    })
    expect(out.markets).toEqual([])
    expect(out.excluded[0]?.reason).toStartWith("token2 does not match the market's clobTokenIds")
    expect(out.excluded[1]?.reason).toStartWith('condition_id 0xffffff…ffffff does not match')
    expect(c.lines.filter((l) => l.startsWith('[error]'))).toHaveLength(2)
  })

  test('asks in chunks of chunk_size token ids, repeating clob_token_ids', async () => {
    const enrich = await createTestPlugin(gammaPlugin, { chunk_size: 4 }, ctx())
    const before = gamma.requests.length
    const out = await enrich.run({ rows: MANY.map((m, i) => rowFor(m, `r${i}`)), markets: [], signal })
    expect(out.markets).toHaveLength(5)
    const reqs = gamma.requests.slice(before)
    expect(reqs).toHaveLength(3)
    expect(reqs.map((r) => r.searchParams.getAll('clob_token_ids').length)).toEqual([4, 4, 2])
    expect(reqs.map((r) => r.searchParams.get('limit'))).toEqual(['4', '4', '2'])
  })

  test('base_url overrides the exchange Gamma URL', async () => {
    const c = createTestContext({ stage: 'enrich', plugin: 'gamma', exchange: { gammaUrl: 'http://127.0.0.1:1/x' } })
    const enrich = await createTestPlugin(gammaPlugin, { base_url: `${gamma.url}/` }, c)
    const out = await enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })
    expect(out.markets).toHaveLength(1)
  })

  test('markets built by an earlier enrich plugin are kept and not fetched again', async () => {
    const enrich = await createTestPlugin(gammaPlugin, {}, ctx())
    const prior = testMarket({ yesTokenId: '1111', noTokenId: '2222' })
    const before = gamma.requests.length
    const out = await enrich.run({ rows: [{ token1: '1111', token2: '2222', origin: 'r' }], markets: [prior], signal })
    expect(out.markets).toEqual([prior])
    expect(gamma.requests.slice(before).flatMap((r) => r.searchParams.getAll('clob_token_ids'))).toEqual([])
  })

  test('an item Gamma sends that does not parse is skipped with a warning', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    gamma.extra = [{ conditionId: '0xbad', clobTokenIds: 'not json' }]
    try {
      const out = await enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })
      expect(out.markets).toHaveLength(1)
      expect(c.lines.some((l) => l.includes('Gamma market skipped, unreadable: 0xbad: clobTokenIds'))).toBe(true)
    } finally {
      gamma.extra = []
    }
  })
})

describe('gamma enrich, Protocol V2 markets (§7.1)', () => {
  test('a "v2" market takes its ids from positionIds and is marked protocol v2', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const [yes, no] = V2.positionIds as [string, string]
    const out = await enrich.run({ rows: [{ token1: yes, token2: no, origin: 'r1' }], markets: [], signal })
    expect(out.excluded).toEqual([])
    expect(out.markets).toMatchObject([{ conditionId: V2.conditionId, yesTokenId: yes, noTokenId: no, protocol: 'v2' }])
  })

  test("both id fields: the version decides, with a named log line; the other field's ids are a mismatch", async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const [v2yes, v2no] = V2_BOTH.positionIds as [string, string]
    const out = await enrich.run({
      rows: [
        { token1: v2yes, token2: v2no, origin: 'v2 by positionIds' },
        { token1: '8201', token2: '8202', origin: 'v2 by clobTokenIds' },
        { token1: '8301', token2: '8302', origin: 'v1 by clobTokenIds' },
        { token1: '8311', token2: '8312', origin: 'v1 by positionIds' },
      ],
      markets: [],
      signal,
    })
    expect(out.markets.map((m) => [m.selection?.origin, m.protocol])).toEqual([
      ['v2 by positionIds', 'v2'],
      ['v1 by clobTokenIds', 'v1'],
    ])
    expect(out.excluded).toEqual([
      {
        origin: 'v2 by clobTokenIds',
        reason: "token1 and token2 do not match the market's positionIds [82000000…000001, 82000000…000002]",
      },
      { origin: 'v1 by positionIds', reason: "token1 and token2 do not match the market's clobTokenIds [8301, 8302]" },
    ])
    expect(c.lines).toContain(
      `[warn] enrich/gamma: Gamma market ${V2_BOTH.conditionId} has both clobTokenIds and positionIds; using positionIds (version v2)`,
    )
    expect(c.lines).toContain(
      `[warn] enrich/gamma: Gamma market ${V1_BOTH.conditionId} has both clobTokenIds and positionIds; using clobTokenIds (version v1)`,
    )
  })

  test('a missing or unknown version excludes the market with that reason', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const out = await enrich.run({
      rows: [
        { token1: '8401', token2: '8402', origin: 'no version' },
        { token1: '8501', token2: '8502', origin: 'v3' },
      ],
      markets: [],
      signal,
    })
    expect(out.markets).toEqual([])
    expect(out.excluded).toEqual([
      { origin: 'no version', reason: 'Gamma gives no protocol version (version)' },
      { origin: 'v3', reason: 'unknown protocol version "v3" (expected "v1" or "v2")' },
    ])
    expect(
      c.lines.some(
        (l) => l.startsWith('[warn]') && l.includes('no version: excluded: Gamma gives no protocol version'),
      ),
    ).toBe(true)
  })

  test('a market with neither id field is logged by name and never traded; positionIds as text is unreadable', async () => {
    const c = ctx()
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    const neither = gammaObject('v2', ['8601', '8602'], { positionIds: undefined })
    const asText = gammaObject('v2', ['8701', '8702'], { positionIds: JSON.stringify(['8701', '8702']) })
    gamma.extra = [neither, asText]
    try {
      const out = await enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })
      expect(out.markets).toHaveLength(1)
      expect(c.lines).toContain(
        `[warn] enrich/gamma: Gamma market ${neither.conditionId} has neither clobTokenIds nor positionIds; not tradable`,
      )
      expect(
        c.lines.some((l) => l.includes(`Gamma market skipped, unreadable: ${asText.conditionId}: positionIds`)),
      ).toBe(true)
    } finally {
      gamma.extra = []
    }
  })
})

describe('gamma enrich failures throw (the universe plane keeps the current selection)', () => {
  test('HTTP error', async () => {
    const enrich = await createTestPlugin(gammaPlugin, {}, ctx())
    gamma.failWith = 503
    try {
      await expect(enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })).rejects.toThrow(
        `Gamma ${gamma.url}/markets answered HTTP 503`,
      )
    } finally {
      gamma.failWith = undefined
    }
  })

  test('nothing listening', async () => {
    const c = createTestContext({
      stage: 'enrich',
      plugin: 'gamma',
      exchange: { gammaUrl: 'http://127.0.0.1:1/gamma' },
    })
    const enrich = await createTestPlugin(gammaPlugin, {}, c)
    await expect(enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })).rejects.toThrow(
      'Gamma http://127.0.0.1:1/gamma/markets: cannot fetch',
    )
  })

  test('no answer within the timeout (on the injected clock)', async () => {
    const clock = createManualClock()
    const enrich = await createTestPlugin(gammaPlugin, { timeout: '5s' }, ctx(clock))
    gamma.hang = true
    const before = gamma.requests.length
    try {
      const pending = enrich.run({ rows: [rowFor(BTC, 'r')], markets: [], signal })
      while (gamma.requests.length === before) await Bun.sleep(5)
      clock.advance(5000)
      await expect(pending).rejects.toThrow('cannot fetch: no answer within 5000 ms')
    } finally {
      gamma.hang = false
    }
  })

  test('no rows: no request, nothing built', async () => {
    const enrich = await createTestPlugin(gammaPlugin, {}, ctx())
    const before = gamma.requests.length
    expect(await enrich.run({ rows: [], markets: [], signal })).toEqual({ markets: [], excluded: [] })
    expect(gamma.requests.length).toBe(before)
  })
})
