import { computeAddress } from 'ethers'
import type { Credentials, Resources } from './context.ts'

/**
 * Whose state a database holds: paper and live (and a --test dry run) never share rows, and one live account
 * never reads another's. Every persisted row records `mode` and `account`.
 */
export interface StateOwner {
  /** `test`: a --test dry run (nothing sent); its rows never count as live ones. */
  readonly mode: 'paper' | 'live' | 'test'
  /** The maker address (funder, else the signer's address), lower case; `unknown` when no key is configured. */
  readonly account: string
  /** A paper run on a throwaway key: a fresh simulator account every run, so any paper account may share the file. */
  readonly ephemeral: boolean
  /** Start even on a database written by another mode or account (operator's explicit choice). */
  readonly adoptForeign: boolean
}

export function accountAddress(credentials: Pick<Credentials, 'privateKey' | 'funder'>): string {
  if (credentials.funder) return credentials.funder.toLowerCase()
  if (!credentials.privateKey) return 'unknown'
  try {
    return computeAddress(credentials.privateKey).toLowerCase()
  } catch {
    return 'unknown'
  }
}

export function stateOwner(opts: {
  readonly mode: 'paper' | 'live'
  readonly dryRun: boolean
  readonly credentials: Pick<Credentials, 'privateKey' | 'funder'>
  /** The key was generated for this run (paper without a configured key). */
  readonly throwawayKey: boolean
  readonly adoptForeign?: boolean
}): StateOwner {
  return {
    mode: opts.dryRun ? 'test' : opts.mode,
    account: accountAddress(opts.credentials),
    ephemeral: opts.mode === 'paper' && opts.throwawayKey,
    adoptForeign: opts.adoptForeign ?? false,
  }
}

/** The owner of a plugin's resources; a test context without one is an ephemeral paper run. */
export function ownerOf(resources: Resources): StateOwner {
  return (
    resources.owner ?? {
      mode: resources.dryRun ? 'test' : resources.mode,
      account: 'unknown',
      ephemeral: resources.mode === 'paper',
      adoptForeign: false,
    }
  )
}
