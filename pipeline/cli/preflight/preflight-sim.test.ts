import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { computeAddress } from 'ethers'
import { builtins } from '../../../plugins/index.ts'
import { startSimulator } from '../../../sim/index.ts'
import { loadConfig } from '../../config/load.ts'
import { startDaemon } from '../../daemon.ts'
import { createMemoryLogger } from '../../logger.ts'
import { runPreflight } from './index.ts'

// `mm preflight --config mm.polymarket.yaml` with the simulator's URLs in the environment, as the issue asks: the
// production config, an account as the simulator models it (approvals, the deposit-wallet restriction).

const CONFIG = join(import.meta.dir, '../../../mm.polymarket.yaml')
let sim: Awaited<ReturnType<typeof startSimulator>>

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'default', port: 0, seed: 7 })
})
afterAll(async () => {
  await sim.stop()
})

function account() {
  const funder = `0x${randomBytes(20).toString('hex')}`
  const pk = `0x${randomBytes(32).toString('hex')}`
  const env = {
    PK: pk,
    BROWSER_ADDRESS: funder,
    SPREADSHEET_URL: 'https://docs.google.com/spreadsheets/d/x/edit',
    GOOGLE_APPLICATION_CREDENTIALS: '/dev/null',
    CLOB_BASE_URL: sim.urls.clob,
    CLOB_WS_URL: sim.urls.ws,
    GAMMA_BASE_URL: sim.urls.gamma,
    DATA_API_URL: sim.urls.dataApi,
  }
  return { funder, env, signer: computeAddress(pk) }
}

async function admin(path: string, body: unknown) {
  const res = await fetch(`${sim.urls.admin}${path}`, { method: 'POST', body: JSON.stringify(body) })
  expect(res.ok).toBe(true)
}

async function preflight(env: Record<string, string>, ...flags: string[]) {
  let out = ''
  let err = ''
  const code = await runPreflight(
    ['--config', CONFIG, ...flags],
    { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
    env,
  )
  return { code, out, err }
}

describe('mm preflight against the simulator', () => {
  test('a funded account with every approval is ready to trade, the probe order placed and cancelled', async () => {
    const { env, funder } = account()
    const r = await preflight(env, '--probe-order')
    expect(r.err).toBe('')
    expect(r.out).toContain('ready to trade')
    expect(r.out).toMatch(/ok\s+rate-limit tier\s+tier standard/)
    expect(sim.openOrders(funder)).toEqual([])
    expect(r.code).toBe(0)
  })

  test('an account without allowances: every missing one is listed by spender with how to grant it, exit 1', async () => {
    const { env, funder, signer } = account()
    // The Safe of this signer, as production knows it before any order.
    await admin(`/accounts/${funder}`, { allowances: 'none', signer })
    const r = await preflight(env)
    expect(r.code).toBe(1)
    const missing = r.out.split('\n').filter((l) => l.includes('missing allowance for'))
    const by = (asset: string) =>
      missing.filter((l) => l.includes(`allowances ${asset} `)).map((l) => /missing allowance for (\S+)/.exec(l)?.[1])
    expect(by('COLLATERAL').sort()).toEqual(['CTFExchangeV2', 'ExchangeV3', 'NegRiskAdapter', 'NegRiskCtfExchangeV2'])
    expect(by('CONDITIONAL').sort()).toEqual(['CTFExchangeV2', 'NegRiskAdapter', 'NegRiskCtfExchangeV2'])
    expect(by('CONDITIONAL-V2')).toEqual(['ExchangeV3'])
    expect(r.out).toContain('→ from the funder, call approve(')
    expect(r.out).toContain('→ from the funder, call setApprovalForAll(')
    expect(r.out).toContain('8 problem(s)')
  })

  test('an account that must use the deposit-wallet flow is refused at the probe order, named as such', async () => {
    const { env, funder } = account()
    await admin(`/accounts/${funder}`, { deposit_wallet_required: true })
    const r = await preflight(env, '--probe-order')
    expect(r.code).toBe(1)
    expect(r.out).toMatch(
      /FAIL\s+orders admitted\s+the probe order was refused: .*maker address not allowed, please use the deposit wallet flow/,
    )
    expect(r.out).toContain('must use the deposit-wallet flow')
    expect(sim.openOrders(funder)).toEqual([])
  })

  test('a live start on an account without allowances stops before quoting, with every problem listed', async () => {
    const { env, funder, signer } = account()
    await admin(`/accounts/${funder}`, { allowances: 'none', signer })
    const res = await loadConfig(CONFIG, { builtins, env })
    if (!res.ok) throw new Error(JSON.stringify(res.issues))
    const { log } = createMemoryLogger()
    const started = startDaemon({ loaded: res.loaded, builtins, log })
    await expect(started).rejects.toThrow(/preflight found 8 problem\(s\) with the account/)
    await expect(started).rejects.toThrow(/missing allowance for ExchangeV3/)
    expect(sim.openOrders(funder)).toEqual([])
  })

  test('a proxy account without a funder is refused before anything is asked of the exchange', async () => {
    const { env } = account()
    const r = await preflight({ ...env, BROWSER_ADDRESS: '' })
    expect(r.code).toBe(1)
  })
})
