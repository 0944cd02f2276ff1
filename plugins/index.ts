import type { AnyPlugin } from '../pipeline/define-plugin.ts'

/**
 * Every built-in plugin, listed explicitly: no registration by import side effect. A `use:` name is looked up
 * here within its stage; a `use:` path loads a user's file instead.
 */
export const builtins: readonly AnyPlugin[] = []
