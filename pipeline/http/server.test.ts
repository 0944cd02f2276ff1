import { expect, test } from 'bun:test'
import type { Daemon } from '../daemon.ts'
import { createMemoryLogger } from '../logger.ts'
import { isLoopback, startHttpServer } from './server.ts'

test('loopback addresses are recognised', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h)).toBe(true)
  for (const h of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) expect(isLoopback(h)).toBe(false)
})

test('a non-loopback bind without a token is refused before anything listens', () => {
  const { log } = createMemoryLogger()
  // The daemon is never touched: the refusal comes first.
  const daemon = {} as Daemon
  expect(() => startHttpServer(daemon, { enabled: true, host: '0.0.0.0', port: 0, token: undefined }, log)).toThrow(
    'server.host 0.0.0.0 is not loopback: set server.token (e.g. ${MM_API_TOKEN}) to expose the API',
  )
})
