import { expect, test } from 'bun:test'
import { wsBase } from './exchange.ts'

test('the WebSocket base always ends in /ws/ whatever form the URL was given in', () => {
  expect(wsBase('wss://ws-subscriptions-clob.polymarket.com/ws/')).toBe(
    'wss://ws-subscriptions-clob.polymarket.com/ws/',
  )
  expect(wsBase('wss://ws-subscriptions-clob.polymarket.com/ws')).toBe('wss://ws-subscriptions-clob.polymarket.com/ws/')
  expect(wsBase('ws://127.0.0.1:4000')).toBe('ws://127.0.0.1:4000/ws/')
  expect(wsBase('ws://127.0.0.1:4000/')).toBe('ws://127.0.0.1:4000/ws/')
})
