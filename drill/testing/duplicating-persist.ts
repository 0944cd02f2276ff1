// Test-only: a deliberately broken build for the drill's self-test. The sqlite persist plugin, except that every
// fill is recorded a second time under another key, as a build whose fill deduplication is broken would count a
// re-delivered fill twice. `mm drill --broken-build duplicate-fills` swaps it in; no daemon config names it.

import { definePlugin } from '../../pipeline/define-plugin.ts'
import sqlite from '../../plugins/persist/sqlite/index.ts'

export default definePlugin({
  name: 'sqlite-duplicating-fills',
  stage: 'persist',
  summary: 'TEST ONLY: sqlite that records every fill twice (the drill must catch it).',
  config: sqlite.config,
  async create(config, ctx) {
    const inner = await sqlite.create(config, ctx)
    return {
      ...inner,
      write(event) {
        inner.write(event)
        if (event.type === 'fill')
          inner.write({ ...event, fill: { ...event.fill, orderId: `${event.fill.orderId}-again` } })
      },
    }
  },
})
