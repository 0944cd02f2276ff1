import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { nullExchange } from './fixtures/null-exchange.ts'
import { type Probe, probe, probes, testBuiltins, testConfigYaml } from './fixtures/test-plugins.ts'

const cid = `0x${'0'.repeat(63)}1`
const running: Daemon[] = []

async function boot(name: string): Promise<{ daemon: Daemon; p: Probe; yaml: string }> {
  const p = probe(name)
  p.rows = [{ token1: '1', token2: '2', condition_id: cid }]
  p.mids.set(cid, 0.5)
  const yaml = testConfigYaml(name)
  const res = await loadConfigText(yaml, `${import.meta.dir}/reload.yaml`, { builtins: testBuiltins, env: {} })
  if (!res.ok) throw new Error(formatIssues('reload.yaml', res.issues))
  const daemon = await startDaemon({
    loaded: res.loaded,
    builtins: testBuiltins,
    log: createMemoryLogger().log,
    exchange: nullExchange,
    clock: createManualClock(),
  })
  running.push(daemon)
  await daemon.quotes.idle()
  return { daemon, p, yaml }
}

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop('test end')
  probes.clear()
})

describe('hot reload', () => {
  test('an unchanged config is a noop', async () => {
    const { daemon, yaml } = await boot('noop')
    const res = await daemon.reload({ text: yaml })
    expect(res.outcome).toBe('noop')
    expect(daemon.current().generation).toBe(1)
  })

  test('a reload re-reads the market list, even when the config is unchanged', async () => {
    const { daemon, p, yaml } = await boot('reread')
    p.rows.push({ token1: '3', token2: '4', condition_id: `0x${'0'.repeat(63)}2` })
    expect((await daemon.reload({ text: yaml })).outcome).toBe('noop')
    for (let i = 0; i < 100 && daemon.universe.markets().length < 2; i++) await Bun.sleep(5)
    expect(daemon.universe.markets()).toHaveLength(2)
  })

  test('a reloadable field is reconfigured in place: same instances, books and orders untouched', async () => {
    const { daemon, p, yaml } = await boot('reconfigure')
    const before = daemon.current()
    const res = await daemon.reload({
      text: yaml.replace(
        'fair-value: { use: test-fair, with: { probe: reconfigure } }',
        'fair-value: { use: test-fair, with: { probe: reconfigure, offset: 0.01 } }',
      ),
    })
    expect(res.outcome).toBe('applied')
    expect(res.changes).toContainEqual({ kind: 'reconfigure', instance: 'fair-value', keys: ['offset'] })
    const after = daemon.current()
    expect(after.fairValue).toBe(before.fairValue)
    expect(after.book).toBe(before.book)
    expect(after.execute).toBe(before.execute)
    expect(p.stopped).toEqual([])
    await daemon.quotes.idle()
    expect(daemon.quotes.state(cid)?.fair).toBeCloseTo(0.51, 9)
  })

  test('a non-reloadable change replaces that instance only, started before the swap', async () => {
    const { daemon, p, yaml } = await boot('replace')
    const before = daemon.current()
    const res = await daemon.reload({
      text: yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.05 } }'),
    })
    expect(res.outcome).toBe('applied')
    expect(res.changes).toContainEqual({ kind: 'replace', instance: 'spread', why: 'changed half' })
    expect(daemon.current().spread).not.toBe(before.spread)
    expect(daemon.current().book).toBe(before.book)
    expect(daemon.current().generation).toBe(2)
    expect(p.stopped).toEqual([])
    await daemon.quotes.idle()
    expect(daemon.quotes.state(cid)?.quote?.halfSpread).toBe(0.05)
  })

  test('an invalid config is rejected with every error and nothing changes', async () => {
    const { daemon, yaml } = await boot('invalid')
    const before = daemon.current()
    const res = await daemon.reload({ text: yaml.replace('mode: paper', 'mode: paper\ncapital_usd: x\nbogus: 1') })
    expect(res.outcome).toBe('rejected')
    expect(res.issues.map((i) => i.path).sort()).toEqual(['bogus', 'capital_usd'])
    expect(daemon.current()).toBe(before)
  })

  test('a restart-only section is refused', async () => {
    const { daemon, yaml } = await boot('restart-only')
    const res = await daemon.reload({
      text: yaml.replace('server: { enabled: false }', 'server: { enabled: false, port: 9999 }'),
    })
    expect(res.outcome).toBe('rejected')
    expect(res.errors).toEqual(['restart required: "server" changed (it cannot be reloaded)'])
  })

  test('a plugin whose start fails rolls back; the running pipeline is kept', async () => {
    const { daemon, p, yaml } = await boot('rollback')
    const before = daemon.current()
    const res = await daemon.reload({
      text: yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { fail_start: true } }'),
    })
    expect(res.outcome).toBe('rolled_back')
    expect(res.errors).toEqual(['spread refused to start'])
    expect(daemon.current()).toBe(before)
    p.executed.length = 0
    daemon.quotes.markDirty(cid)
    await daemon.quotes.idle()
    expect(p.executed).toHaveLength(1)
  })

  test('concurrent reloads are serialized: each sees the result of the one before', async () => {
    const { daemon, yaml } = await boot('serial')
    const a = yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.03 } }')
    const b = yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.04 } }')
    const results = await Promise.all([
      daemon.reload({ text: a }),
      daemon.reload({ text: b }),
      daemon.reload({ text: b }),
    ])
    expect(results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'noop'])
    expect(results.map((r) => r.generation)).toEqual([2, 3, 3])
  })

  test('a reload completes while a busy market keeps being marked dirty (it pauses quoting at a boundary)', async () => {
    const { daemon, p, yaml } = await boot('busy')
    p.slowExecuteMs = 20
    const clock = daemon.clock as ReturnType<typeof createManualClock>
    let done = false
    const reload = daemon
      .reload({
        text: yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.05 } }'),
      })
      .then((r) => {
        done = true
        return r
      })
    for (let i = 0; i < 200 && !done; i++) {
      daemon.quotes.markDirty(cid)
      clock.advance(5)
      await Bun.sleep(0)
    }
    expect(done).toBe(true)
    expect((await reload).outcome).toBe('applied')
    p.slowExecuteMs = 0
    clock.advance(100) // let the last slow execute finish so the daemon can stop
    await daemon.quotes.idle()
  })

  test('the executor is never replaced live: only its reloadable fields may change', async () => {
    const { daemon, yaml } = await boot('no-exec-swap')
    const before = daemon.current()
    const res = await daemon.reload({
      text: yaml.replace(
        'execute: { use: test-execute, with: { probe: no-exec-swap } }',
        'execute: { use: test-execute, with: { probe: other } }',
      ),
    })
    expect(res.outcome).toBe('rejected')
    expect(res.errors[0]).toStartWith('restart required: the execute plugin cannot be replaced live (changed probe)')
    expect(daemon.current()).toBe(before)
  })

  test('a rolled-back reload stops the instances it had started', async () => {
    const { daemon, yaml } = await boot('rollback-stops')
    probe('rollback-book').failTrack = 'subscribe refused'
    const res = await daemon.reload({
      text: yaml.replace(
        'book: { use: test-book, with: { probe: rollback-stops } }',
        'book: { use: test-book, with: { probe: rollback-book } }',
      ),
    })
    expect(res.outcome).toBe('rolled_back')
    expect(probe('rollback-book').started).toEqual(['book'])
    expect(probe('rollback-book').stopped).toEqual(['book'])
  })

  test('a reconfigure that throws rolls back instead of escaping; the old config stays in force', async () => {
    const { daemon, yaml } = await boot('reconf-throws')
    const res = await daemon.reload({
      text: yaml.replace(
        'fair-value: { use: test-fair, with: { probe: reconf-throws } }',
        'fair-value: { use: test-fair, with: { probe: reconf-throws, offset: 99 } }',
      ),
    })
    expect(res.outcome).toBe('rolled_back')
    expect(res.errors).toEqual(['offset 99 is cursed'])
    expect(daemon.current().fairValue.entry.config).toEqual({ probe: 'reconf-throws', offset: 0 })
  })

  test('a reload asked for while stopping is refused', async () => {
    const { daemon, yaml } = await boot('stopping')
    const stopped = daemon.stop('test')
    const res = await daemon.reload({
      text: yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.05 } }'),
    })
    await stopped
    expect(res.outcome).toBe('rejected')
    expect(res.errors).toEqual(['the daemon is stopping'])
  })
})
