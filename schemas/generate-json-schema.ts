import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { builtins } from '../plugins/index.ts'
import { buildConfigJsonSchema } from './json-schema.ts'

/** `bun run schema` writes schemas/mm.config.schema.json; `--check` fails when the checked-in file is stale. */
const out = join(import.meta.dir, 'mm.config.schema.json')
const text = `${JSON.stringify(buildConfigJsonSchema(builtins), null, 2)}\n`
if (process.argv.includes('--check')) {
  let current = ''
  try {
    current = readFileSync(out, 'utf8')
  } catch {}
  if (current !== text) {
    console.error('schemas/mm.config.schema.json is stale: run `bun run schema` and commit it')
    process.exit(1)
  }
  console.log('schemas/mm.config.schema.json is up to date')
} else {
  writeFileSync(out, text)
  console.log(`wrote ${out}`)
}
