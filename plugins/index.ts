import type { AnyPlugin } from '../pipeline/define-plugin.ts'
import clobWs from './book/clob-ws/index.ts'
import gamma from './enrich/gamma/index.ts'
import clob from './execute/clob/index.ts'
import ewmaMicroprice from './fair-value/ewma-microprice/index.ts'
import layered from './layer/layered/index.ts'
import postgres from './persist/postgres/index.ts'
import sqlite from './persist/sqlite/index.ts'
import webhook from './persist/webhook/index.ts'
import caps from './risk/caps/index.ts'
import inventorySkew from './skew/inventory-skew/index.ts'
import file from './source/file/index.ts'
import sheets from './source/sheets/index.ts'
import simMarkets from './source/sim-markets/index.ts'
import volSpread from './spread/vol-spread/index.ts'

/**
 * Every built-in plugin, listed explicitly: no registration by import side effect. A `use:` name is looked up
 * here within its stage; a `use:` path loads a user's file instead.
 */
export const builtins: readonly AnyPlugin[] = [
  file,
  sheets,
  simMarkets,
  gamma,
  clobWs,
  ewmaMicroprice,
  volSpread,
  inventorySkew,
  caps,
  layered,
  clob,
  sqlite,
  postgres,
  webhook,
]
