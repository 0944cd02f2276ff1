import { expect, test } from 'bun:test'
import { main } from '../pipeline/cli/main.ts'

function io() {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), isTTY: false },
  }
}

test('mm drill --help prints its usage; bad arguments exit 2 with the reason, before anything starts', async () => {
  const help = io()
  expect(await main(['drill', '--help'], help.io)).toBe(0)
  expect(help.out.stdout).toContain('mm drill --config <file>')
  for (const [args, why] of [
    [['--duration', '10s'], 'at least 30s'],
    [['--duration', 'soon'], 'at least 30s'],
    [['--kills', '-1'], '--kills'],
    [['--faults', '1.5'], '--faults'],
    [['--broken-build', 'nope'], 'duplicate-fills'],
    [['--config', '/nonexistent.yaml'], 'config file not found'],
    [['--bogus'], 'bogus'],
  ] as const) {
    const r = io()
    expect(await main(['drill', ...args], r.io)).toBe(2)
    expect(r.out.stderr).toContain(why)
  }
})
