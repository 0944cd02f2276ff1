import { expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLogger, createMemoryLogger, fields } from './logger.ts'

test('a cyclic object or a BigInt in a log call is written, not thrown', () => {
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const { log, lines } = createMemoryLogger()
  expect(() => log.error('boom', cyclic, 10n)).not.toThrow()
  expect(lines[0]).toBe('[error] boom [object Object] 10')
})

test('every record also goes to the log file as a JSON line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-log-'))
  const { log, filePath } = createLogger({ logDir: dir, fileName: 'x.log', silent: true })
  log.withTag('book/clob-ws').warn('socket closed', { code: 1006 })
  const line = JSON.parse(readFileSync(filePath as string, 'utf8').trim()) as Record<string, unknown>
  expect(line).toMatchObject({ level: 'warn', tag: 'book/clob-ws', msg: 'socket closed {"code":1006}' })
})

test('ids passed as fields are JSON keys in the file and stay out of the human line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-log-'))
  const { log, filePath } = createLogger({ logDir: dir, fileName: 'f.log', silent: true })
  log.info('fill BUY 10 "Will it rain?" YES @ 0.42', fields({ token_id: '7'.repeat(77), size: 10, at: 5n }))
  const line = JSON.parse(readFileSync(filePath as string, 'utf8').trim()) as Record<string, unknown>
  expect(line).toMatchObject({ msg: 'fill BUY 10 "Will it rain?" YES @ 0.42', token_id: '7'.repeat(77), size: 10 })
  expect(line.at).toBe('5')
  const mem = createMemoryLogger()
  mem.log.info('fill', fields({ token_id: '123' }))
  expect(mem.lines[0]).toBe('[info] fill')
})
