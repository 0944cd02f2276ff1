/**
 * Limits that instances trading one account share (through a database they all write, e.g. the postgres persist
 * plugin): the exchange's per-signer token buckets, and each instance's daily PnL and exposure so account-wide
 * limits hold however the market list is split.
 */

export interface BucketSpec {
  readonly signer: string
  /** 'order' or 'cancel' (protocol §7.2). */
  readonly bucket: string
  readonly ratePerSec: number
  readonly burst: number
}

export interface InstanceRisk {
  /** ms UTC of the UTC day this PnL belongs to. */
  readonly day: number
  readonly pnlUsd: number
  readonly exposureUsd: number
  readonly halted: boolean
}

export interface PeerRisk {
  /** Instances other than this one that published for today. */
  readonly instances: readonly string[]
  readonly pnlUsd: number
  readonly exposureUsd: number
  readonly halted: readonly string[]
  /** Age of the oldest of those rows, ms (a peer that stopped publishing still counts: its losses happened). */
  readonly oldestMs: number
}

export interface AccountShare {
  /** Take `cost` tokens if the bucket holds them: 0 when granted, otherwise ms until it will (nothing taken). */
  reserve(spec: BucketSpec, cost: number): Promise<number>
  /**
   * The exchange counted `remaining` tokens after one of our requests: the shared bucket holds no more than that.
   * Grants run ahead of arrivals (a request reserved, then delayed on its way, meets a bucket the exchange refilled
   * only to its burst), so without this the instances' estimate drifts above the exchange's.
   */
  observe(spec: BucketSpec, remaining: number): Promise<void>
  publish(risk: InstanceRisk): Promise<void>
  peers(day: number): Promise<PeerRisk>
}
