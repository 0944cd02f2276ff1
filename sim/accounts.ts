// Per-address account settings production keeps outside the order book (§7.5): token approvals, the deposit-wallet
// restriction of new accounts, and the rate-limit tier. A normal funded account has every approval.
import { type AssetType, type Contracts, spendersOf } from './contracts.ts'
import type { AccountSettingsPatch, AllowancesInput, TierName } from './production.ts'

export const MAX_UINT = '115792089237316195423570985008687907853269984665640564039457584007913129639935'
export const DEPOSIT_WALLET_ERROR = 'maker address not allowed, please use the deposit wallet flow'

type Settings = {
  /** asset type → spender (lowercase) → approved; absent = approved. */
  denied: Map<AssetType, Set<string>>
  depositWalletRequired: boolean
  tier: TierName | undefined
}

export type AccountSettings = ReturnType<typeof createAccountSettings>

const ASSETS: AssetType[] = ['COLLATERAL', 'CONDITIONAL', 'CONDITIONAL-V2']

export function createAccountSettings(contracts: Contracts) {
  const byAddress = new Map<string, Settings>()
  /** signer → its proxy/Safe wallet, as production knows them (POST /admin/accounts/<wallet> {signer}). */
  const wallets = new Map<string, string>()
  const get = (address: string): Settings => {
    const key = address.toLowerCase()
    let s = byAddress.get(key)
    if (!s) {
      s = { denied: new Map(), depositWalletRequired: false, tier: undefined }
      byAddress.set(key, s)
    }
    return s
  }

  function setAllowances(s: Settings, input: AllowancesInput): void {
    if (input === 'all' || input === 'none') {
      for (const a of ASSETS)
        s.denied.set(a, new Set(input === 'none' ? spendersOf(contracts, a).map((x) => x.toLowerCase()) : []))
      return
    }
    for (const a of ASSETS) {
      const flags = input[a]
      if (!flags) continue
      const denied = s.denied.get(a) ?? new Set<string>()
      for (const [spender, ok] of Object.entries(flags)) {
        if (ok) denied.delete(spender.toLowerCase())
        else denied.add(spender.toLowerCase())
      }
      s.denied.set(a, denied)
    }
  }

  return {
    apply(address: string, patch: AccountSettingsPatch): void {
      const s = get(address)
      if (patch.signer !== undefined) wallets.set(patch.signer.toLowerCase(), address.toLowerCase())
      if (patch.allowances !== undefined) setAllowances(s, patch.allowances)
      if (patch.deposit_wallet_required !== undefined) s.depositWalletRequired = patch.deposit_wallet_required
      if (patch.tier !== undefined) s.tier = patch.tier
    },
    approved(address: string, asset: AssetType, spender: string): boolean {
      return !byAddress.get(address.toLowerCase())?.denied.get(asset)?.has(spender.toLowerCase())
    },
    /** `{spender: amount}` as GET /balance-allowance answers for one asset type. */
    allowances(address: string, asset: AssetType): Record<string, string> {
      const denied = byAddress.get(address.toLowerCase())?.denied.get(asset)
      const out: Record<string, string> = {}
      for (const sp of spendersOf(contracts, asset)) out[sp] = denied?.has(sp.toLowerCase()) ? '0' : MAX_UINT
      return out
    },
    /** The proxy/Safe wallet registered for a signer, if any. */
    walletOf: (signer: string) => wallets.get(signer.toLowerCase()),
    depositWalletRequired: (address: string) => byAddress.get(address.toLowerCase())?.depositWalletRequired ?? false,
    tier: (address: string) => byAddress.get(address.toLowerCase())?.tier,
    view(address: string) {
      const s = byAddress.get(address.toLowerCase())
      return {
        deposit_wallet_required: s?.depositWalletRequired ?? false,
        tier: s?.tier ?? null,
        allowances: Object.fromEntries(ASSETS.map((a) => [a, this.allowances(address, a)])),
      }
    },
  }
}
