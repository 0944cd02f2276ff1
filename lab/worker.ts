import { loadScenario } from '../sim/index.ts'
import type { Job, JobResult } from './jobs.ts'
import { runMetrics } from './metrics.ts'
import { runBacktest } from './run.ts'

/** A Bun worker: runs the jobs it is sent one after another and posts progress and results back. */
declare const self: Worker

export type WorkerMessage =
  | { readonly type: 'progress'; readonly jobId: number; readonly simDoneMs: number }
  | { readonly type: 'done'; readonly result: JobResult }
  | { readonly type: 'failed'; readonly jobId: number; readonly error: string }

export async function runJob(job: Job, onProgress?: (simDoneMs: number) => void): Promise<JobResult> {
  const outcome = await runBacktest(
    {
      configFile: job.variant.configFile,
      overrides: job.variant.overrides,
      ...(job.replay ? { replay: job.replay } : { scenario: loadScenario(job.scenario) }),
      seed: job.seed,
      durationMs: job.durationMs,
    },
    onProgress,
  )
  const metrics = runMetrics(outcome)
  return { job, metrics, outcome: job.keepSeries ? outcome : { ...outcome, samples: [] } }
}

if (
  typeof self !== 'undefined' &&
  typeof (self as { postMessage?: unknown }).postMessage === 'function' &&
  !Bun.isMainThread
) {
  self.onmessage = async (ev: MessageEvent<Job>) => {
    const job = ev.data
    try {
      const result = await runJob(job, (simDoneMs) =>
        self.postMessage({ type: 'progress', jobId: job.id, simDoneMs } satisfies WorkerMessage),
      )
      self.postMessage({ type: 'done', result } satisfies WorkerMessage)
    } catch (err) {
      self.postMessage({ type: 'failed', jobId: job.id, error: (err as Error).message } satisfies WorkerMessage)
    }
  }
}
