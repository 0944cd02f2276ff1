// The processes the soak starts, and the promise that every one of them is gone when it ends: on a normal end,
// on an error, and on Ctrl-C / SIGTERM (SIGINT first so the daemon cancels its orders and writes its profile,
// then SIGKILL after a bounded wait).
import { closeSync, openSync, readFileSync } from 'node:fs'
import { type Subprocess, spawn } from 'bun'

export interface Child {
  readonly name: string
  readonly proc: Subprocess
  readonly pid: number
  /** Where its stdout and stderr go (one file). */
  readonly outPath: string
}

const running = new Set<Child>()

export function startChild(
  name: string,
  cmd: string[],
  opts: { cwd: string; outPath: string; env?: Record<string, string> },
): Child {
  const fd = openSync(opts.outPath, 'a')
  const proc = spawn(cmd, {
    cwd: opts.cwd,
    stdin: 'ignore',
    stdout: fd,
    stderr: fd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  })
  closeSync(fd) // the child holds its own copy
  const child = { name, proc, pid: proc.pid, outPath: opts.outPath }
  running.add(child)
  void proc.exited.then(() => running.delete(child))
  return child
}

/** SIGINT, then SIGKILL after `graceMs`. Resolves with how it ended. */
export async function stopChild(child: Child, graceMs: number): Promise<'exited' | 'killed'> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return 'exited'
  child.proc.kill('SIGINT')
  const ended = await Promise.race([child.proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)])
  if (ended) return 'exited'
  child.proc.kill('SIGKILL')
  await Promise.race([child.proc.exited, Bun.sleep(5_000)])
  return 'killed'
}

export async function stopAll(graceMs: number): Promise<void> {
  await Promise.all([...running].map((c) => stopChild(c, graceMs)))
}

let interrupted = false
/** Ctrl-C / SIGTERM: stop every child and exit. A second Ctrl-C kills them at once. */
export function stopChildrenOnSignal(graceMs: number): void {
  const onSignal = (sig: string) => {
    if (interrupted) {
      for (const c of running) c.proc.kill('SIGKILL')
      process.exit(130)
    }
    interrupted = true
    process.stderr.write(`\n${sig}: stopping ${running.size} child process(es)…\n`)
    void stopAll(graceMs).finally(() => process.exit(130))
  }
  process.on('SIGINT', () => onSignal('SIGINT'))
  process.on('SIGTERM', () => onSignal('SIGTERM'))
  // Last resort if the soak itself dies: no child outlives it.
  process.on('exit', () => {
    for (const c of running) c.proc.kill('SIGKILL')
  })
}

/** Polls the child's output file until `pattern` matches; undefined when `ms` passes or the child exits. */
export async function waitForOutput(child: Child, pattern: RegExp, ms: number): Promise<RegExpExecArray | undefined> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const m = pattern.exec(readFileSync(child.outPath, 'utf8'))
    if (m) return m
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return undefined
    await Bun.sleep(100)
  }
  return undefined
}
