import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet'
import { Service } from 'kubernetes-models/v1/Service'
import { parseAllDocuments } from 'yaml'
import { loadConfig } from '../../pipeline/config/load.ts'
import { builtins } from '../../plugins/index.ts'

const here = import.meta.dir
const docs = parseAllDocuments(readFileSync(join(here, 'statefulset.yaml'), 'utf8')).map((d) => d.toJS())
const byKind = (kind: string) => docs.find((d) => d.kind === kind)

const ENV = {
  PK: `0x${'11'.repeat(32)}`,
  BROWSER_ADDRESS: `0x${'22'.repeat(20)}`,
  MM_API_TOKEN: 't'.repeat(32),
  MM_POSTGRES_URL: 'postgres://mm:pw@db:5432/mm',
  SPREADSHEET_URL: 'https://docs.google.com/spreadsheets/d/abc/edit',
  POD_NAME: 'mm-2',
  MM_SHARDS: '3',
}

describe('the Kubernetes example', () => {
  test('every manifest is valid against the Kubernetes API schema', () => {
    expect(docs.map((d) => d.kind)).toEqual(['Service', 'StatefulSet'])
    expect(() => new Service(byKind('Service')).validate()).not.toThrow()
    expect(() => new StatefulSet(byKind('StatefulSet')).validate()).not.toThrow()
  })

  test('the schema check catches a broken manifest (it is not a formality)', () => {
    const broken = structuredClone(byKind('StatefulSet'))
    broken.spec.replicas = 'three'
    expect(() => new StatefulSet(broken).validate()).toThrow()
  })

  test('the pod ordinal is the shard, replicas and MM_SHARDS agree, secrets only from the Secret', () => {
    const sts = byKind('StatefulSet')
    type EnvVar = {
      name: string
      value?: string
      valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } }
    }
    const env = sts.spec.template.spec.containers[0].env as EnvVar[]
    const get = (n: string) => env.find((e) => e.name === n)
    expect(get('MM_SHARD')?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['apps.kubernetes.io/pod-index']")
    expect(Number(get('MM_SHARDS')?.value)).toBe(sts.spec.replicas)
    for (const secret of ['PK', 'BROWSER_ADDRESS', 'MM_API_TOKEN', 'MM_POSTGRES_URL'])
      expect(get(secret)).toEqual({ name: secret, valueFrom: { secretKeyRef: { name: 'mm-secrets', key: secret } } })
  })

  test('its config is valid for every ordinal, and an ordinal past the replicas is refused by name', async () => {
    for (const shard of ['0', '1', '2']) {
      const r = await loadConfig(join(here, 'mm.k8s.yaml'), { builtins, env: { ...ENV, MM_SHARD: shard } })
      if (!r.ok) throw new Error(JSON.stringify(r.issues))
      expect(r.loaded.config.universe).toMatchObject({ shard: Number(shard), of: 3 })
      expect(r.loaded.stages.persist.map((e) => e.def.name)).toEqual(['postgres'])
    }
    const bad = await loadConfig(join(here, 'mm.k8s.yaml'), { builtins, env: { ...ENV, MM_SHARD: '3' } })
    expect(bad.ok).toBe(false)
    if (!bad.ok)
      expect(bad.issues.map((i) => `${i.path}: ${i.message}`)).toContain(
        'universe.shard: shard must be below of (shards are numbered 0 … of − 1)',
      )
  })
})
