// Talks to POST /admin/…: finds which fault kinds the running simulator supports, and injects episodes.
import { type DrillMarket, type FaultAction, type FaultKind, MARKET_CLOSE, type Rng } from './fault-kinds.ts'

export interface SupportedKind {
  readonly kind: FaultKind
  /** Index of the shape the simulator accepted. */
  readonly shape: number
}

export interface ProbeResult {
  readonly supported: SupportedKind[]
  readonly unsupported: Array<{ name: string; answer: string }>
}

export async function postAdmin(
  admin: string,
  route: string,
  body: unknown,
): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${admin}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(3000),
    })
    return { status: res.status, text: (await res.text()).slice(0, 300) }
  } catch (err) {
    return { status: 0, text: err instanceof Error ? err.message : String(err) }
  }
}

const BOGUS_MARKET: DrillMarket = { conditionId: `0x${'0'.repeat(64)}`, tokens: ['0', '1'], tickSize: 0.01 }

/**
 * Each kind's shapes in order: the first the simulator accepts wins. Kinds tied to a market (tick changes, close)
 * are probed on a market that does not exist, so probing changes nothing: "market not found" (404) means the
 * simulator understood the request. Other kinds are applied for an instant, then reset.
 */
export async function probeKinds(
  admin: string,
  kinds: readonly FaultKind[],
  rng: Rng,
  account: string,
): Promise<ProbeResult> {
  const supported: SupportedKind[] = []
  const unsupported: ProbeResult['unsupported'] = []
  for (const kind of [...kinds, MARKET_CLOSE]) {
    let answer = ''
    let found = -1
    for (let i = 0; i < kind.shapes.length && found < 0; i++) {
      const shape = kind.shapes[i] as FaultKind['shapes'][number]
      const action = shape(rng, { markets: [BOGUS_MARKET], account, ticks: new Map() })
      const res = await postAdmin(admin, action.route, action.body)
      answer += `${answer ? ' | ' : ''}${res.status} ${res.text}`
      const tiedToMarket = JSON.stringify(action.body).includes(BOGUS_MARKET.conditionId)
      if (res.status === 200 || (tiedToMarket && res.status === 404 && /market/i.test(res.text))) found = i
      if (res.status === 200) await endEpisode(admin, [action])
    }
    if (found >= 0) supported.push({ kind, shape: found })
    else unsupported.push({ name: kind.name, answer })
  }
  return { supported, unsupported }
}

/** Starts an episode: every /faults patch merged into one (on top of a reset), other routes posted as they are. */
export async function startEpisode(
  admin: string,
  actions: readonly FaultAction[],
): Promise<{ ok: boolean; answer: string }> {
  const patch: Record<string, unknown> = { reset: true }
  const others: FaultAction[] = []
  for (const a of actions) {
    if (a.route !== '/faults') {
      others.push(a)
      continue
    }
    for (const [k, v] of Object.entries(a.body)) {
      if (k === 'rest_errors' && Array.isArray(patch.rest_errors) && Array.isArray(v))
        patch.rest_errors = [...patch.rest_errors, ...v]
      else patch[k] = v
    }
  }
  const answers = [await postAdmin(admin, '/faults', patch)]
  for (const a of others) answers.push(await postAdmin(admin, a.route, a.body))
  const bad = answers.find((a) => a.status !== 200)
  return { ok: bad === undefined, answer: bad ? `${bad.status} ${bad.text}` : 'ok' }
}

export async function endEpisode(admin: string, actions: readonly FaultAction[]): Promise<void> {
  await postAdmin(admin, '/faults', { reset: true })
  for (const a of actions) if (a.off) await postAdmin(admin, a.off.route, a.off.body)
}
