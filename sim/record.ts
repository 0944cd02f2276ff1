// `record`: journal the raw frames of any market-channel WebSocket to JSONL (one received frame per line), so real
// sessions can be replayed by the simulator later. Reconnects until aborted.
import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

export type RecordOptions = {
  /** Full market-channel URL, e.g. wss://ws-subscriptions-clob.polymarket.com/ws/market */
  url: string
  assets: string[]
  out: string
  signal?: AbortSignal
  log?: (msg: string) => void
  pingMs?: number
  reconnectMs?: number
}

export type RecordStats = { frames: number; connections: number }

/** One frame → one JSONL line. Frames are JSON text; re-encode any that span lines so the journal stays one-per-line. */
export function frameToLine(text: string): string | undefined {
  if (text === 'PONG' || text === 'PING') return undefined
  if (!text.includes('\n')) return text
  try {
    return JSON.stringify(JSON.parse(text))
  } catch {
    return JSON.stringify(text)
  }
}

export async function recordMarketStream(opts: RecordOptions): Promise<RecordStats> {
  const log = opts.log ?? (() => {})
  const stats: RecordStats = { frames: 0, connections: 0 }
  mkdirSync(dirname(opts.out), { recursive: true })
  const aborted = () => opts.signal?.aborted === true
  while (!aborted()) {
    await new Promise<void>((resolve) => {
      const ws = new WebSocket(opts.url)
      let ping: ReturnType<typeof setInterval> | undefined
      const finish = () => {
        if (ping) clearInterval(ping)
        opts.signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => ws.close(1000, 'recording stopped')
      opts.signal?.addEventListener('abort', onAbort)
      ws.onopen = () => {
        stats.connections++
        log(`recording ${opts.assets.length} assets from ${opts.url} to ${opts.out}`)
        ws.send(JSON.stringify({ assets_ids: opts.assets, type: 'market', custom_feature_enabled: true }))
        ping = setInterval(() => ws.send('PING'), opts.pingMs ?? 10_000)
      }
      ws.onmessage = (e) => {
        const line = frameToLine(typeof e.data === 'string' ? e.data : Buffer.from(e.data as ArrayBuffer).toString())
        if (line === undefined) return
        appendFileSync(opts.out, `${line}\n`)
        stats.frames++
      }
      ws.onerror = () => log('record: websocket error')
      ws.onclose = () => finish()
    })
    if (!aborted()) {
      log('record: connection closed, reconnecting')
      await Bun.sleep(opts.reconnectMs ?? 1000)
    }
  }
  return stats
}
