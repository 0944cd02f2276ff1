// Accounts as production sees them (protocol doc §7.5): allowances keyed by spender, orders refused without the
// approval they need, the deposit-wallet restriction; and the exchange modes of a matching-engine restart (§7.6).
import { afterEach, describe, expect, test } from 'bun:test'
import { type AssetType, getContractConfig, OrderType, Side } from '@polymarket/clob-client-v2'
import { MAX_UINT } from './accounts.ts'
import { createManualClock, type ManualClock, type Simulator } from './index.ts'
import { alice, bob, clobClient, deriveCreds, startTestSimulator } from './testing.ts'

const c = getContractConfig(137)
let sim: Simulator
let clock: ManualClock

async function start(extra: Record<string, unknown> = {}) {
  clock = createManualClock(Date.now())
  sim = await startTestSimulator(
    {
      markets: [
        { slug: 'plain', question: 'Plain?', tick_size: 0.01 },
        { slug: 'negrisk', question: 'Neg risk?', tick_size: 0.01, neg_risk: true },
        { slug: 'vtwo', question: 'V2?', tick_size: 0.01, version: 'v2' },
      ],
      ...extra,
    },
    { clock },
  )
  const a = clobClient(sim.urls.clob, alice, await deriveCreds(sim.urls.clob, alice))
  const [plain, neg, v2] = sim.markets.map((m) => m.tokens[0])
  return { a, plain: plain ?? '', neg: neg ?? '', v2: v2 ?? '' }
}

const admin = (path: string, body: unknown) =>
  fetch(`${sim.urls.admin}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json())

afterEach(async () => {
  await sim?.stop()
})

describe('allowances', () => {
  test('a normal account has every approval, keyed by spender', async () => {
    const { a, plain } = await start()
    const col = (await a.getBalanceAllowance({ asset_type: 'COLLATERAL' as AssetType })) as {
      allowances: Record<string, string>
    }
    expect(col.allowances).toEqual({
      [c.exchangeV2]: MAX_UINT,
      [c.negRiskExchangeV2]: MAX_UINT,
      [c.negRiskAdapter]: MAX_UINT,
      [c.exchangeV3]: MAX_UINT,
    })
    const ctf = (await a.getBalanceAllowance({ asset_type: 'CONDITIONAL' as AssetType, token_id: plain })) as {
      allowances: Record<string, string>
    }
    expect(Object.keys(ctf.allowances)).toEqual([c.exchangeV2, c.negRiskExchangeV2, c.negRiskAdapter])
  })

  test('an account without approvals shows "0" per spender and every order fails as production does', async () => {
    const { a, plain, neg, v2 } = await start({ accounts: [{ address: alice.address, allowances: 'none' }] })
    const col = (await a.getBalanceAllowance({ asset_type: 'COLLATERAL' as AssetType })) as {
      allowances: Record<string, string>
    }
    expect(Object.values(col.allowances)).toEqual(['0', '0', '0', '0'])
    for (const [token, version] of [
      [plain, 2],
      [neg, 2],
      [v2, 3],
    ] as const) {
      const o = await a.createOrder({ tokenID: token, price: 0.3, size: 5, side: Side.BUY }, { version })
      const r = (await a.postOrder(o, OrderType.GTC, true)) as unknown as Record<string, unknown>
      expect(JSON.stringify(r)).toContain('not enough balance / allowance')
    }
    expect(sim.openOrders(alice.address)).toHaveLength(0)
  })

  test('the admin endpoint grants one spender at a time: only the orders it covers pass', async () => {
    const { a, plain, neg } = await start()
    await admin(`/accounts/${alice.address}`, { allowances: 'none' })
    const view = (await admin(`/accounts/${alice.address}`, {
      allowances: { COLLATERAL: { [c.exchangeV2]: true } },
    })) as { allowances: Record<string, Record<string, string>> }
    expect(view.allowances.COLLATERAL?.[c.exchangeV2]).toBe(MAX_UINT)
    const ok = await a.postOrder(
      await a.createOrder({ tokenID: plain, price: 0.3, size: 5, side: Side.BUY }),
      OrderType.GTC,
      true,
    )
    expect(ok.success).toBe(true)
    const negRisk = (await a.postOrder(
      await a.createOrder({ tokenID: neg, price: 0.3, size: 5, side: Side.BUY }),
      OrderType.GTC,
      true,
    )) as unknown as Record<string, unknown>
    expect(JSON.stringify(negRisk)).toContain('not enough balance / allowance')
    // SELLs need the conditional-token approval, which is still missing.
    sim.setBalances(alice.address, undefined, { [plain]: 10 })
    const sell = (await a.postOrder(
      await a.createOrder({ tokenID: plain, price: 0.7, size: 5, side: Side.SELL }),
      OrderType.GTC,
      true,
    )) as unknown as Record<string, unknown>
    expect(JSON.stringify(sell)).toContain('not enough balance / allowance')
  })

  test('an account that must use the deposit-wallet flow has its type 0/1/2 orders refused', async () => {
    const { a, plain } = await start()
    await admin(`/accounts/${alice.address}`, { deposit_wallet_required: true })
    const r = (await a.postOrder(
      await a.createOrder({ tokenID: plain, price: 0.3, size: 5, side: Side.BUY }),
      OrderType.GTC,
      true,
    )) as unknown as Record<string, unknown>
    expect(r.status).toBe(400)
    expect(JSON.stringify(r.error)).toContain('maker address not allowed, please use the deposit wallet flow')
  })
})

describe('exchange modes', () => {
  test('restarting answers 425 on every trading route, then post-only for 2 minutes, then normal', async () => {
    const { a, plain } = await start()
    const o = await a.createOrder({ tokenID: plain, price: 0.3, size: 5, side: Side.BUY })
    await admin('/faults', { exchange_mode: { mode: 'restarting', for_ms: 90_000 } })
    const down = (await a.postOrder(o, OrderType.GTC, true)) as unknown as Record<string, unknown>
    expect(down).toEqual({ error: 'service not ready', status: 425 })
    expect(((await a.cancelAll()) as unknown as Record<string, unknown>).status).toBe(425)
    clock.advance(90_000)
    const notPostOnly = (await a.postOrder(o, OrderType.GTC, false, true)) as unknown as Record<string, unknown>
    expect(JSON.stringify(notPostOnly)).toContain('post-only mode')
    expect((await a.postOrder(o, OrderType.GTC, true)).success).toBe(true)
    clock.advance(120_000)
    const o2 = await a.createOrder({ tokenID: plain, price: 0.31, size: 5, side: Side.BUY })
    expect((await a.postOrder(o2, OrderType.GTC, false, true)).success).toBe(true)
  })

  test('cancel-only refuses new orders but cancels; it ends by itself after for_ms', async () => {
    const { a, plain } = await start()
    const resting = await a.postOrder(
      await a.createOrder({ tokenID: plain, price: 0.3, size: 5, side: Side.BUY }),
      OrderType.GTC,
      true,
    )
    await admin('/faults', { exchange_mode: { mode: 'cancel_only', for_ms: 10_000 } })
    const o = await a.createOrder({ tokenID: plain, price: 0.31, size: 5, side: Side.BUY })
    expect(JSON.stringify(await a.postOrder(o, OrderType.GTC, true))).toContain('cancel-only mode')
    expect((await a.cancelOrder({ orderID: resting.orderID })).canceled).toEqual([resting.orderID])
    clock.advance(10_000)
    expect((await a.postOrder(o, OrderType.GTC, true)).success).toBe(true)
  })

  test('other accounts are unaffected by one account’s restrictions', async () => {
    const { plain } = await start({ accounts: [{ address: alice.address, deposit_wallet_required: true }] })
    const b = clobClient(sim.urls.clob, bob, await deriveCreds(sim.urls.clob, bob))
    const r = await b.postOrder(
      await b.createOrder({ tokenID: plain, price: 0.3, size: 5, side: Side.BUY }),
      OrderType.GTC,
      true,
    )
    expect(r.success).toBe(true)
  })
})
