import type { Job, JobResult } from './jobs.ts'
import type { WorkerMessage } from './worker.ts'

/**
 * Runs jobs on `n` Bun workers (one job per worker at a time; each run is single-threaded), with a progress bar
 * and an ETA on stderr: redrawn in place on a terminal, a line per finished run otherwise.
 */

interface Io {
  stderr(text: string): void
  readonly isTTY: boolean
}

function fmtSec(s: number): string {
  if (!Number.isFinite(s)) return '?'
  const m = Math.floor(s / 60)
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`
}

export async function runPool(jobs: readonly Job[], n: number, io: Io): Promise<JobResult[]> {
  const totalSim = jobs.reduce((a, j) => a + j.durationMs, 0)
  const doneSim = new Map<number, number>()
  const results: JobResult[] = []
  const started = performance.now()
  let next = 0
  let lastDraw = 0

  const draw = (force = false) => {
    const now = performance.now()
    if (!force && now - lastDraw < 250) return
    lastDraw = now
    let sim = 0
    for (const v of doneSim.values()) sim += v
    const frac = totalSim > 0 ? sim / totalSim : 0
    const elapsed = (now - started) / 1000
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : Number.POSITIVE_INFINITY
    const width = 30
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.')
    const line = `[${bar}] ${(frac * 100).toFixed(0).padStart(3)}%  ${results.length}/${jobs.length} runs  elapsed ${fmtSec(elapsed)}  ETA ${fmtSec(eta)}`
    io.stderr(io.isTTY ? `\r${line}` : `${line}\n`)
  }

  const workers = Array.from(
    { length: Math.min(n, jobs.length) },
    () => new Worker(new URL('./worker.ts', import.meta.url)),
  )
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = () => {
              const job = jobs[next++]
              if (!job) return resolve()
              w.postMessage(job)
            }
            w.onmessage = (ev: MessageEvent<WorkerMessage>) => {
              const m = ev.data
              if (m.type === 'progress') {
                doneSim.set(m.jobId, m.simDoneMs)
                if (io.isTTY) draw()
                return
              }
              if (m.type === 'failed') return reject(new Error(`run ${m.jobId} failed: ${m.error}`))
              doneSim.set(m.result.job.id, m.result.job.durationMs)
              results.push(m.result)
              draw(true)
              feed()
            }
            w.onerror = (ev) => reject(new Error(`worker failed: ${ev.message}`))
            feed()
          }),
      ),
    )
  } finally {
    for (const w of workers) w.terminate()
    if (io.isTTY) io.stderr('\n')
  }
  return results.sort((a, b) => a.job.id - b.job.id)
}
