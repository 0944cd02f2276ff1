import { spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A real PostgreSQL server for a test: a fresh cluster in a temporary folder, on a free loopback port, stopped and
 * removed at the end. The server binaries come from the system's packages (`.ci/run` installs them); without them
 * `startPostgres` answers undefined and the caller skips, saying so once — unless MM_REQUIRE_POSTGRES is set (CI),
 * where a missing server is a failure.
 */

export interface TestPostgres {
  readonly url: string
  stop(): Promise<void>
}

function binDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin')
  for (const dir of ['/usr/local/bin', '/usr/bin'])
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return dir
  return undefined
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = s.port as number
  await s.stop(true)
  return port
}

export async function startPostgres(): Promise<TestPostgres | undefined> {
  const bin = binDir()
  if (!bin) {
    if (process.env.MM_REQUIRE_POSTGRES)
      throw new Error('MM_REQUIRE_POSTGRES is set but no PostgreSQL server binaries were found')
    return undefined
  }
  const dir = mkdtempSync(join(tmpdir(), 'mm-pg-'))
  const data = join(dir, 'data')
  // PostgreSQL refuses to run as root: run it as the postgres system user then.
  const asRoot = process.getuid?.() === 0
  const run = (cmd: string, args: string[]) =>
    (asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]]
  if (asRoot) {
    const uid = Number(spawnSync('id', ['-u', 'postgres']).stdout.toString().trim())
    const gid = Number(spawnSync('id', ['-g', 'postgres']).stdout.toString().trim())
    chownSync(dir, uid, gid)
  }
  const [initCmd, initArgs] = run(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'mm',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ])
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' })
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`)
  const port = await freePort()
  const [pgCmd, pgArgs] = run(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'max_connections=50',
  ])
  const child = spawn(pgCmd, pgArgs, { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr?.on('data', (d) => {
    log += String(d)
  })
  const url = `postgres://mm@127.0.0.1:${port}/postgres`
  const deadline = Date.now() + 20_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${log}`)
    if (log.includes('ready to accept connections')) break
    if (Date.now() > deadline) throw new Error(`postgres did not start within 20 s: ${log}`)
    await Bun.sleep(50)
  }
  return {
    url,
    async stop() {
      // Through pg_ctl: a signal to runuser is not passed on to the server.
      const [stopCmd, stopArgs] = run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w'])
      const exited = new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)))
      spawnSync(stopCmd, stopArgs)
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
