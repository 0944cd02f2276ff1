// The simulator and the daemon as child processes of the drill: `bun pipeline/cli/main.ts sim …` and
// `bun pipeline/cli/main.ts --config …`, each with its output in the drill's folder.
import { createWriteStream, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { type Subprocess, spawn } from 'bun'
import type { SimUrls } from './daemon-config.ts'

const MAIN = join(import.meta.dir, '..', 'pipeline', 'cli', 'main.ts')

async function pump(stream: ReadableStream<Uint8Array>, out: WriteStream, onText?: (t: string) => void) {
  const decoder = new TextDecoder()
  for await (const chunk of stream) {
    out.write(chunk)
    onText?.(decoder.decode(chunk, { stream: true }))
  }
}

export interface SimProcess {
  readonly urls: SimUrls
  readonly markets: ReadonlyArray<{ conditionId: string; tokens: [string, string] }>
  stop(): Promise<void>
}

/** Starts the simulator and waits for the addresses it prints. */
export async function startSimProcess(opts: { seed: number; scenario?: string; outDir: string }): Promise<SimProcess> {
  const args = ['bun', MAIN, 'sim', '--port', '0', '--seed', String(opts.seed)]
  if (opts.scenario) args.push('--scenario', opts.scenario)
  const proc = spawn(args, { stdout: 'pipe', stderr: 'pipe', stdin: 'ignore', env: { ...process.env, NO_COLOR: '1' } })
  let text = ''
  const ready = Promise.withResolvers<void>()
  void pump(proc.stdout, createWriteStream(join(opts.outDir, 'sim.stdout')), (t) => {
    text += t
    if (/^Admin\s+\S+/m.test(text) && /^market\s/m.test(text)) setTimeout(() => ready.resolve(), 200)
  })
  void pump(proc.stderr, createWriteStream(join(opts.outDir, 'sim.stderr')))
  const exited = proc.exited.then((code) => {
    throw new Error(`simulator exited (${code}) before it was ready; see ${opts.outDir}/sim.stderr`)
  })
  await Promise.race([
    ready.promise,
    exited,
    Bun.sleep(30_000).then(() => Promise.reject(new Error('simulator did not start in 30 s'))),
  ])
  const line = (label: string) => new RegExp(`^${label}\\s+(\\S+)`, 'm').exec(text)?.[1] ?? ''
  const markets = [...text.matchAll(/^market\s+\S+\s+(?:v\d\s+)?(0x[0-9a-f]+)\s+YES (\d+)\s+NO (\d+)/gm)].map((m) => ({
    conditionId: m[1] as string,
    tokens: [m[2] as string, m[3] as string] as [string, string],
  }))
  return {
    urls: {
      clob: line('CLOB'),
      ws: line('WS').replace(/\/ws\/market$/, ''),
      gamma: line('Gamma'),
      dataApi: line('Data API'),
      admin: line('Admin'),
    },
    markets,
    async stop() {
      proc.kill('SIGTERM')
      await Promise.race([proc.exited, Bun.sleep(5000)])
      if (proc.exitCode === null) proc.kill('SIGKILL')
    },
  }
}

export interface DaemonRun {
  readonly index: number
  readonly proc: Subprocess<'ignore', 'pipe', 'pipe'>
  readonly startedAt: number
  /** Set once the drill has sent the signal, so an exit is recognised as planned. */
  planned: 'kill' | 'term' | undefined
  /** When it answered /status with markets. */
  readyAt?: number
  /** The last lines of stderr and stdout, for "why did it exit". */
  readonly tail: string[]
}

export function spawnDaemon(opts: {
  index: number
  configFile: string
  env: Record<string, string>
  outDir: string
}): DaemonRun {
  const proc = spawn(['bun', MAIN, '--config', opts.configFile], {
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  })
  const tail: string[] = []
  const keep = (t: string) => {
    for (const l of t.split('\n')) if (l.trim()) tail.push(l)
    if (tail.length > 40) tail.splice(0, tail.length - 40)
  }
  void pump(proc.stdout, createWriteStream(join(opts.outDir, `daemon-${opts.index}.stdout`)), keep)
  void pump(proc.stderr, createWriteStream(join(opts.outDir, `daemon-${opts.index}.stderr`)), keep)
  return { index: opts.index, proc, startedAt: Date.now(), planned: undefined, tail }
}

/** Ready: /healthz answers and /status lists markets. Resolves false when the process exits or time runs out. */
export async function waitReady(run: DaemonRun, apiBase: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline && run.proc.exitCode === null) {
    try {
      const res = await fetch(`${apiBase}/status`, { signal: AbortSignal.timeout(1000) })
      if (res.ok) {
        const body = (await res.json()) as { markets?: unknown[] }
        if ((body.markets?.length ?? 0) > 0) return true
      }
    } catch {
      // not listening yet
    }
    await Bun.sleep(250)
  }
  return false
}

/** VmRSS of a process in MB, from /proc (Linux); undefined elsewhere. */
export async function rssMb(pid: number): Promise<number | undefined> {
  try {
    const text = await Bun.file(`/proc/${pid}/status`).text()
    const kb = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1])
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : undefined
  } catch {
    return undefined
  }
}

/** A free loopback port (bound then released). */
export function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}
