// A process's resident memory and CPU time read from /proc (Linux), from outside the process.
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'

/** Clock ticks per second of /proc/<pid>/stat times: 100 on every Linux this runs on (USER_HZ). */
const USER_HZ = 100

export interface ProcSample {
  readonly at: number
  readonly rssBytes: number
  /** user + system CPU seconds since the process started */
  readonly cpuSec: number
  /** the main (JavaScript) thread: ns on a CPU and ns runnable but waiting for one (/proc/<pid>/schedstat) */
  readonly mainRunNs: number
  readonly mainWaitNs: number
}

export function readProc(pid: number): ProcSample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const rssKb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN)
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces) start at ") ": utime is field 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(rest[11])
    const stime = Number(rest[12])
    if (!Number.isFinite(rssKb) || !Number.isFinite(utime)) return undefined
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number)
    return {
      at: performance.now(),
      rssBytes: rssKb * 1024,
      cpuSec: (utime + stime) / USER_HZ,
      mainRunNs: run ?? Number.NaN,
      mainWaitNs: wait ?? Number.NaN,
    }
  } catch {
    return undefined // the process is gone
  }
}

/** CPU use between two samples, in % of one core. */
export function cpuPercent(a: ProcSample, b: ProcSample): number {
  return (100 * (b.cpuSec - a.cpuSec)) / ((b.at - a.at) / 1000)
}

/** The main thread's share of wall time on a CPU and waiting for one (the machine's other load), in %. */
export function mainThreadShares(a: ProcSample, b: ProcSample): { run: number; wait: number } {
  const wallNs = (b.at - a.at) * 1e6
  return { run: (100 * (b.mainRunNs - a.mainRunNs)) / wallNs, wait: (100 * (b.mainWaitNs - a.mainWaitNs)) / wallNs }
}

export function machine(): { cpus: number; memTotalMb: number; model: string; loadAvg: string } {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8')
  const mem = readFileSync('/proc/meminfo', 'utf8')
  return {
    cpus: availableParallelism(),
    memTotalMb: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(mem)?.[1] ?? 0) / 1024),
    model: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    loadAvg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  }
}
