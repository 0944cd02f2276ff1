import { afterEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { realClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, type TestContext } from '../../../pipeline/testing.ts'
import filePlugin from './index.ts'

const TESTDATA = join(import.meta.dir, 'testdata')
const BTC_YES = '104239898038807136052399800151408521467737075933964991162589336683346093173875'
const BTC_NO = '71183960810705820955071415844881728181970340514894896943812046065452395013351'
const RU_YES = '22978793223071892222859460592277435458011604214087068523744633723809814935807'
const RU_NO = '108268928354766371660560153450121076545199284531791348447523752861907448942629'

function ctxFor(dir: string): TestContext {
  return createTestContext({ stage: 'source', plugin: 'file', configDir: dir, clock: realClock })
}
const run = { now: 0, signal: new AbortController().signal }

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0)) c()
})

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-file-source-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await Bun.sleep(25)
  if (!cond()) throw new Error(`gave up waiting for ${what}`)
}

describe('file source: CSV', () => {
  test('uses good rows, parses quoted and formatted cells, skips blank lines, reports bad rows as file:line', async () => {
    const ctx = ctxFor(TESTDATA)
    const source = await createTestPlugin(filePlugin, { path: './markets.csv' }, ctx)
    const out = await source.run(run)
    expect(out.rows).toEqual([
      {
        token1: BTC_YES,
        token2: BTC_NO,
        condition_id: '0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b',
        liquidity: 20328.37,
        volume_24h: 1000,
        volume_7d: 50_000,
        volume_30d: 150_000,
        origin: 'markets.csv:2',
      },
      {
        token1: RU_YES,
        token2: RU_NO,
        condition_id: '0xd57eed0d44f5b8ca54925d8d6ff440b146b3e6e071da18136ee3ee572d34479e',
        liquidity: 5000,
        volume_24h: 10,
        volume_7d: 20_000,
        volume_30d: 40_000,
        origin: 'markets.csv:4',
      },
    ])
    expect(out.rejected).toEqual([
      { origin: 'markets.csv:5', reason: 'token1 is missing' },
      { origin: 'markets.csv:6', reason: 'token1 "abc" is not a token id (a decimal integer)' },
      { origin: 'markets.csv:8', reason: 'Liquidity "lots" is not a number' },
    ])
    expect(ctx.lines.some((l) => l.includes('markets.csv:8: skipped: Liquidity "lots" is not a number'))).toBe(true)
  })

  test('filters from the config reject with the reason', async () => {
    const source = await createTestPlugin(
      filePlugin,
      { path: 'markets.csv', min_liquidity: 10_000, min_trend: 0.3 },
      ctxFor(TESTDATA),
    )
    const out = await source.run(run)
    expect(out.rows.map((r) => r.origin)).toEqual(['markets.csv:2'])
    expect(out.rejected).toContainEqual({
      origin: 'markets.csv:4',
      reason: 'filtered out: Liquidity 5000 < min_liquidity 10000',
    })
  })

  test('a file without a token1 column is an error naming the file', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'm.csv'), 'tokenA,token2\n1,2\n')
    const source = await createTestPlugin(filePlugin, { path: 'm.csv', watch: false }, ctxFor(dir))
    await expect(source.run(run)).rejects.toThrow(
      'm.csv: missing required column token1 (header row has: tokenA, token2)',
    )
  })

  test('a missing file is an error naming the file', async () => {
    const source = await createTestPlugin(filePlugin, { path: 'nope.csv', watch: false }, ctxFor(tempDir()))
    await expect(source.run(run)).rejects.toThrow('nope.csv: cannot read market selection file')
  })
})

describe('file source: YAML', () => {
  test('a list of rows with the sheet columns; unquoted token ids keep every digit; bad rows by line', async () => {
    const source = await createTestPlugin(filePlugin, { path: 'markets.yaml' }, ctxFor(TESTDATA))
    const out = await source.run(run)
    expect(out.rows).toEqual([
      {
        token1: BTC_YES,
        token2: BTC_NO,
        condition_id: '0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b',
        liquidity: 20328.37,
        volume_7d: 50_000,
        volume_30d: 150_000,
        origin: 'markets.yaml:2',
      },
      {
        token1: RU_YES,
        token2: RU_NO,
        liquidity: 5000,
        volume_7d: 20_000,
        volume_30d: 40_000,
        origin: 'markets.yaml:10',
      },
    ])
    expect(out.rejected).toEqual([
      { origin: 'markets.yaml:15', reason: 'token1 is missing' },
      { origin: 'markets.yaml:16', reason: 'row is not a mapping of column: value' },
    ])
  })

  test('invalid YAML and a non-list are errors naming the file', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'bad.yml'), '- token1: [1, 2\n')
    writeFileSync(join(dir, 'map.yaml'), 'token1: 1\ntoken2: 2\n')
    const bad = await createTestPlugin(filePlugin, { path: 'bad.yml', watch: false }, ctxFor(dir))
    const map = await createTestPlugin(filePlugin, { path: 'map.yaml', watch: false }, ctxFor(dir))
    await expect(bad.run(run)).rejects.toThrow(/^bad\.yml(:\d+)?: invalid YAML/)
    await expect(map.run(run)).rejects.toThrow('map.yaml: expected a list of rows')
  })

  test('an empty file is an empty selection', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'empty.yaml'), '# nothing selected yet\n')
    const source = await createTestPlugin(filePlugin, { path: 'empty.yaml', watch: false }, ctxFor(dir))
    expect(await source.run(run)).toEqual({ rows: [], rejected: [] })
  })
})

describe('file source: config', () => {
  test('refresh defaults to 15 minutes and is reloadable with the filters', async () => {
    const source = await createTestPlugin(filePlugin, { path: 'markets.csv' }, ctxFor(TESTDATA))
    expect(source.refreshMs).toBe(15 * 60_000)
    const next = filePlugin.config.parse({ path: 'markets.csv', refresh: '1m', min_liquidity: 10_000 })
    expect(source.reconfigure?.(next)).toBe(true)
    expect(source.refreshMs).toBe(60_000)
    expect((await source.run(run)).rows).toHaveLength(1)
    expect(source.reconfigure?.({ ...next, path: 'other.csv' })).toBe(false)
  })

  test('an unknown extension needs an explicit format', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'markets.txt'), 'token1,token2\n1,2\n')
    await expect(createTestPlugin(filePlugin, { path: 'markets.txt' }, ctxFor(dir))).rejects.toThrow(
      'set format: csv or yaml',
    )
    const source = await createTestPlugin(filePlugin, { path: 'markets.txt', format: 'csv', watch: false }, ctxFor(dir))
    expect((await source.run(run)).rows).toEqual([{ token1: '1', token2: '2', origin: 'markets.txt:2' }])
  })
})

describe('file source: watch', () => {
  test('an edit asks the universe plane to re-read, once per burst, and the next run sees the new rows', async () => {
    const dir = tempDir()
    const file = join(dir, 'markets.csv')
    writeFileSync(file, 'token1,token2\n1,2\n')
    const ctx = ctxFor(dir)
    const source = await createTestPlugin(filePlugin, { path: 'markets.csv' }, ctx)
    await source.start?.()
    cleanups.push(() => source.stop?.())
    expect((await source.run(run)).rows).toHaveLength(1)
    writeFileSync(file, 'token1,token2\n1,2\n')
    writeFileSync(file, 'token1,token2\n1,2\n3,4\n')
    await until(() => ctx.refreshes.count > 0, 'a refresh request')
    await Bun.sleep(400)
    expect(ctx.refreshes.count).toBe(1)
    expect((await source.run(run)).rows).toHaveLength(2)
  })

  test('a save that renames a new file over the old one is seen, and stop() ends the watch', async () => {
    const dir = tempDir()
    const file = join(dir, 'markets.yaml')
    writeFileSync(file, '- {token1: 1, token2: 2}\n')
    const ctx = ctxFor(dir)
    const source = await createTestPlugin(filePlugin, { path: 'markets.yaml' }, ctx)
    await source.start?.()
    writeFileSync(join(dir, '.markets.yaml.tmp'), '- {token1: 5, token2: 6}\n')
    renameSync(join(dir, '.markets.yaml.tmp'), file)
    await until(() => ctx.refreshes.count > 0, 'a refresh request')
    expect((await source.run(run)).rows.map((r) => r.token1)).toEqual(['5'])
    await source.stop?.()
    const seen = ctx.refreshes.count
    writeFileSync(file, '- {token1: 7, token2: 8}\n')
    await Bun.sleep(700)
    expect(ctx.refreshes.count).toBe(seen)
  })

  test('watch: false never asks for a refresh', async () => {
    const dir = tempDir()
    const file = join(dir, 'm.csv')
    writeFileSync(file, 'token1,token2\n1,2\n')
    const ctx = ctxFor(dir)
    const source = await createTestPlugin(filePlugin, { path: 'm.csv', watch: false }, ctx)
    await source.start?.()
    writeFileSync(file, 'token1,token2\n3,4\n')
    await Bun.sleep(700)
    expect(ctx.refreshes.count).toBe(0)
  })
})
