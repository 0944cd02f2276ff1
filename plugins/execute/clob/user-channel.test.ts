import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { createUserChannel, DEFAULT_USER_SILENCE_MS, type UserChannel, userSilenceMs } from './user-channel.ts'

/**
 * A loopback user-channel endpoint that accepts the subscription and then says nothing, not even PONG: a socket
 * that is up but silent, as production's has been seen to be (issue 14: fills 14–26 s late).
 */
function silentServer() {
  const frames: string[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req, srv) {
      return srv.upgrade(req) ? undefined : new Response('no', { status: 400 })
    },
    websocket: {
      message(_ws, msg) {
        frames.push(String(msg))
      },
    },
  })
  return { url: `ws://127.0.0.1:${server.port}/ws/user`, frames, stop: () => server.stop(true) }
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await Bun.sleep(5)
  }
}

const cleanup: (() => void)[] = []
afterEach(() => {
  for (const c of cleanup.splice(0)) c()
})

function open(silenceMs?: number) {
  const srv = silentServer()
  const clock = createManualClock()
  const { log, lines } = createMemoryLogger()
  const statuses: [boolean, string][] = []
  const silent: number[] = []
  const channel: UserChannel = createUserChannel({
    url: srv.url,
    auth: { apiKey: 'k', secret: 's', passphrase: 'p' },
    clock,
    log,
    onEvent: () => {},
    onConnected: () => {},
    onStatus: (up, reason) => statuses.push([up, reason]),
    onSilent: (ms) => silent.push(ms),
    ...(silenceMs === undefined ? {} : { silenceMs }),
  })
  cleanup.push(() => channel.stop(), srv.stop)
  channel.start()
  return { srv, clock, lines, statuses, silent, channel }
}

describe('a silent user channel', () => {
  test('is noticed within the default 15 s, not 30 s: onSilent first (pull quotes), then down and reconnect', async () => {
    const c = open()
    await until(() => c.channel.connected && c.srv.frames.length > 0)
    c.clock.advance(DEFAULT_USER_SILENCE_MS - 1000)
    expect(c.silent).toEqual([])
    c.clock.advance(DEFAULT_USER_SILENCE_MS / 4 + 1000)
    expect(c.silent).toHaveLength(1)
    expect(c.silent[0]).toBeGreaterThan(DEFAULT_USER_SILENCE_MS)
    expect(c.silent[0]).toBeLessThanOrEqual(DEFAULT_USER_SILENCE_MS * 1.25 + 1000)
    expect(c.statuses.at(-1)).toEqual([false, 'silent'])
    expect(c.lines.some((l) => l.includes('user channel silent'))).toBe(true)
  })

  test('the timeout is an option: 4 s notices at 4–5 s, and PINGs go out often enough for a live socket', async () => {
    const c = open(4000)
    await until(() => c.channel.connected && c.srv.frames.length > 0)
    c.clock.advance(3900)
    expect(c.silent).toEqual([])
    await until(() => c.srv.frames.includes('PING'))
    c.clock.advance(1100)
    expect(c.silent).toHaveLength(1)
  })

  test('the timeout follows the heartbeat cadence: three beats, within 3–15 s', () => {
    expect(userSilenceMs(5000)).toBe(15_000)
    expect(userSilenceMs(2000)).toBe(6000)
    expect(userSilenceMs(500)).toBe(3000)
    expect(userSilenceMs(60_000)).toBe(15_000)
  })
})
