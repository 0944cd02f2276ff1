import { expect, test } from 'bun:test'
import { createMemoryLogger } from '../logger.ts'
import { isLoopback, startHttpServer } from './server.ts'

test('loopback addresses are recognised', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h)).toBe(true)
  for (const h of ['0.0.0.0', '192.168.1.10', '::', 'example.com']) expect(isLoopback(h)).toBe(false)
})

test('a non-loopback bind without a token is refused before anything listens', () => {
  const { log } = createMemoryLogger()
  expect(() => startHttpServer({ enabled: true, host: '0.0.0.0', port: 0, token: undefined }, log)).toThrow(
    'server.host 0.0.0.0 is not loopback: set server.token (e.g. ${MM_API_TOKEN}) to expose the API',
  )
})

test('the port is bound first: 503 while starting; a port in use is a clear error', async () => {
  const { log } = createMemoryLogger()
  const server = startHttpServer({ enabled: true, host: '127.0.0.1', port: 0, token: undefined }, log)
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`)
    expect(res.status).toBe(503)
    expect(() =>
      startHttpServer({ enabled: true, host: '127.0.0.1', port: server.port, token: undefined }, log),
    ).toThrow(`cannot serve the HTTP API on 127.0.0.1:${server.port}: the port is in use (another mm running?)`)
  } finally {
    await server.stop()
  }
})
