import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type CliIo, main } from './main.ts'

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY: false,
    stdout: (t: string) => {
      io.out += t
    },
    stderr: (t: string) => {
      io.err += t
    },
  }
  return io
}

function tmpConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-cli-'))
  const file = join(dir, 'mm.yaml')
  writeFileSync(file, text)
  return file
}

describe('mm CLI', () => {
  test('--help prints usage and exits 0', async () => {
    const io = captureIo()
    expect(await main(['--help'], io)).toBe(0)
    expect(io.out).toContain('check-config')
  })

  test('an unknown flag is a one-line error with exit code 2', async () => {
    const io = captureIo()
    expect(await main(['--bogus'], io)).toBe(2)
    expect(io.err).toBe("mm: Unknown option '--bogus'\n")
  })

  test('a missing config file is a one-line error with exit code 2', async () => {
    const io = captureIo()
    expect(await main(['--config', '/nope/mm.yaml'], io)).toBe(2)
    expect(io.err).toBe('mm: config file not found: /nope/mm.yaml\n')
  })

  test('an unknown command is a one-line error with exit code 2', async () => {
    const io = captureIo()
    expect(await main(['frobnicate'], io)).toBe(2)
    expect(io.err).toContain('unknown command "frobnicate"')
  })

  test('check-config prints every problem with file, line and path, and exits 1', async () => {
    const file = tmpConfig(`mode: paper
capital_usd: lots
pipeline:
  source: [ { use: file, with: { path: ./m.csv, refresh: soon } } ]
  enrich: [ { use: gamma } ]
  book: { use: clob-ws }
  fair-value: { use: ewma-microprice, with: { alpha: 7 } }
  spread: { use: vol-spread }
  skew: { use: inventory-skew }
  risk: [ { use: caps } ]
  layer: { use: layered }
  execute: { use: clob }
colour: blue
`)
    const io = captureIo()
    expect(await main(['check-config', '--config', file], io)).toBe(1)
    expect(io.err).toContain(`${file}:2 capital_usd:`)
    expect(io.err).toContain(`${file}:4 pipeline.source.0.with.refresh: invalid duration "soon"`)
    expect(io.err).toContain(`${file}:7 pipeline.fair-value.with.alpha:`)
    expect(io.err).toContain(`${file}:13 colour: unknown key "colour"`)
  })

  test('check-config reports a file that is no plugin and a plugin in the wrong stage', async () => {
    const file = tmpConfig(`pipeline:
  source: [ { use: ${join(import.meta.dir, '../../tests/fixtures/test-plugins.ts')} } ]
  enrich: [ { use: file, with: { path: x } } ]
  book: { use: clob-ws }
  fair-value: { use: ewma-microprice }
  spread: { use: vol-spread }
  skew: { use: inventory-skew }
  risk: [ { use: caps } ]
  layer: { use: layered }
  execute: { use: clob }
`)
    const io = captureIo()
    const code = await main(['check-config', '--config', file], io)
    // test-plugins.ts has no default export and file is a source: both must be reported
    expect(code).toBe(1)
    expect(io.err).toContain('has no default export made with definePlugin')
    expect(io.err).toContain('"file" is a source plugin; it cannot be used in enrich')
  })

  test('check-config --config mm.config.yaml (the embedded default) exits 0', async () => {
    const io = captureIo()
    const code = await main(['check-config', '--config', join(import.meta.dir, '../../mm.config.yaml')], io)
    expect(io.err).toBe('')
    expect(code).toBe(0)
  })

  test('check-config fails when the market file is missing, naming it', async () => {
    const defaults = readFileSync(join(import.meta.dir, '../../mm.config.yaml'), 'utf8')
    const file = tmpConfig(
      defaults.replace(/^ {2}source: .*$/m, '  source: [ { use: file, with: { path: ./nowhere.csv } } ]'),
    )
    const io = captureIo()
    expect(await main(['check-config', '--config', file], io)).toBe(1)
    expect(io.err).toContain('market file not found')
    expect(io.err).toContain('nowhere.csv')
    expect(io.out).toBe('')
  })

  test('--port takes a port number only', async () => {
    const io = captureIo()
    expect(await main(['--port', 'http', '--config', tmpConfig('mode: paper\n')], io)).toBe(2)
    expect(io.err).toBe('mm: --port must be a port number 0-65535, not "http"\n')
  })
})
