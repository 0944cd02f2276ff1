import { describe, expect, spyOn, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runRecordCommand, runSimCommand } from './cli.ts'
import type { Simulator } from './index.ts'
import { startTestSimulator } from './testing.ts'

describe('mm sim / mm record commands', () => {
  test('bad arguments return 2 without starting anything', async () => {
    const err = spyOn(console, 'error').mockImplementation(() => {})
    try {
      expect(await runSimCommand(['--port', 'abc'])).toBe(2)
      expect(await runSimCommand(['--bogus'])).toBe(2)
      expect(await runSimCommand(['--speed', '0'])).toBe(2)
      expect(await runRecordCommand(['--out', 'x.jsonl'])).toBe(2)
      expect(await runSimCommand(['--scenario', 'does-not-exist'])).toBe(1)
    } finally {
      err.mockRestore()
    }
  })

  test('runs a named scenario, prints its URLs and stops on SIGINT', async () => {
    const lines: string[] = []
    const log = spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      lines.push(a.join(' '))
    })
    const err = spyOn(console, 'error').mockImplementation(() => {})
    try {
      let sim: Simulator | undefined
      const done = runSimCommand(['--scenario', 'quiet', '--port', '0', '--seed', '9'], (s) => {
        sim = s
      })
      while (!sim) await Bun.sleep(5)
      const res = await fetch(`${sim.urls.clob}/version`)
      expect(await res.json()).toEqual({ version: 2 })
      expect(lines.some((l) => l.startsWith('CLOB') && l.includes(sim?.urls.clob ?? '?'))).toBe(true)
      expect(lines.some((l) => l.includes('/ws/market'))).toBe(true)
      expect(sim.scenario.name).toBe('quiet')
      process.emit('SIGINT')
      expect(await done).toBe(0)
      expect(
        await fetch(`${sim.urls.clob}/version`).then(
          () => 'up',
          () => 'down',
        ),
      ).toBe('down')
    } finally {
      log.mockRestore()
      err.mockRestore()
    }
  })

  test('record journals a loopback market channel until aborted', async () => {
    const sim = await startTestSimulator({ markets: [{ slug: 'r', question: 'R?', tick_size: 0.01 }] })
    const err = spyOn(console, 'error').mockImplementation(() => {})
    try {
      const out = join(mkdtempSync(join(tmpdir(), 'sim-rec-')), 'f.jsonl')
      const ctrl = new AbortController()
      const [y, n] = sim.markets[0]!.tokens
      const done = runRecordCommand(
        ['--out', out, '--url', `${sim.urls.ws}/ws/market`, '--assets', `${y},${n}`],
        ctrl.signal,
      )
      for (let i = 0; i < 400; i++) {
        await Bun.sleep(5)
        if (readFileSync(out, { encoding: 'utf8', flag: 'a+' }).length > 0) break
      }
      ctrl.abort()
      expect(await done).toBe(0)
      const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0] ?? '') as Array<{ event_type: string }>
      expect(first.map((e) => e.event_type)).toEqual(['book', 'book'])
    } finally {
      err.mockRestore()
      await sim.stop()
    }
  })

  test('--markets N serves N generated binary markets with the default flow model (scale tests)', async () => {
    const log = spyOn(console, 'log').mockImplementation(() => {})
    const err = spyOn(console, 'error').mockImplementation(() => {})
    try {
      let sim: Simulator | undefined
      const done = runSimCommand(['--markets', '1000', '--port', '0', '--seed', '3'], (s) => {
        sim = s
      })
      while (!sim) await Bun.sleep(5)
      expect(sim.markets).toHaveLength(1000)
      expect(new Set(sim.markets.map((m) => m.conditionId)).size).toBe(1000)
      expect(sim.markets.some((m) => m.protocol === 'v2')).toBe(true)
      const page = (await (await fetch(`${sim.urls.gamma}/markets?limit=500&offset=500`)).json()) as unknown[]
      expect(page).toHaveLength(500)
      const yes = sim.markets[999]?.tokens[0] ?? ''
      // The default flow runs on every generated market: books fill within a few steps.
      for (let i = 0; i < 200; i++) {
        const book = (await (await fetch(`${sim.urls.clob}/book?token_id=${yes}`)).json()) as { bids: unknown[] }
        if (book.bids.length > 0) break
        await Bun.sleep(20)
      }
      const book = (await (await fetch(`${sim.urls.clob}/book?token_id=${yes}`)).json()) as { bids: unknown[] }
      expect(book.bids.length).toBeGreaterThan(0)
      expect(await runSimCommand(['--markets', '0'])).toBe(2)
      process.emit('SIGINT')
      expect(await done).toBe(0)
    } finally {
      log.mockRestore()
      err.mockRestore()
    }
  })
})
