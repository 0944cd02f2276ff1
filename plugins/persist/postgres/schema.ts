/**
 * The PostgreSQL layout: the sqlite plugin's tables (the original daemon's names) for many daemons at once. Rows
 * an instance owns carry its `account` (the trading address), `mode` and `instance`, so instances sharing one
 * database keep their state apart while a person can query the whole account in one place. Two tables exist only
 * here: `instance_risk` (each instance's daily PnL and exposure, read by the others for account-wide limits) and
 * `signer_buckets` (the exchange's per-signer token buckets, reserved atomically by every instance of a signer).
 *
 * Times are ms since the epoch, UTC; sizes are shares; prices per share in USD. Every statement is idempotent, so
 * the layout is applied at every start.
 */
export const SCHEMA_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, account TEXT NOT NULL, mode TEXT NOT NULL, instance TEXT NOT NULL,
    condition_id TEXT NOT NULL, token_id TEXT NOT NULL, side TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
    price DOUBLE PRECISION NOT NULL, size DOUBLE PRECISION NOT NULL, usd_value DOUBLE PRECISION NOT NULL,
    filled DOUBLE PRECISION NOT NULL DEFAULT 0, status TEXT NOT NULL, layer INTEGER NOT NULL,
    quote_side TEXT NOT NULL CHECK (quote_side IN ('bid', 'ask')), quoted_mid DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS orders_by_market ON orders (account, condition_id, created_at)',
  `CREATE TABLE IF NOT EXISTS orders_active (LIKE orders INCLUDING ALL)`,
  `CREATE TABLE IF NOT EXISTS fills (
    trade_id TEXT NOT NULL, order_id TEXT NOT NULL, token_id TEXT NOT NULL,
    account TEXT NOT NULL, mode TEXT NOT NULL, instance TEXT NOT NULL, condition_id TEXT NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')), price DOUBLE PRECISION NOT NULL,
    size DOUBLE PRECISION NOT NULL, usd_value DOUBLE PRECISION NOT NULL, fee_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
    rebate_usd DOUBLE PRECISION NOT NULL DEFAULT 0, role TEXT NOT NULL, trade_status TEXT NOT NULL,
    filled_at BIGINT NOT NULL, recorded_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, seq BIGSERIAL,
    PRIMARY KEY (trade_id, order_id, token_id))`,
  'CREATE INDEX IF NOT EXISTS fills_by_time ON fills (account, mode, filled_at)',
  `CREATE TABLE IF NOT EXISTS positions (
    account TEXT NOT NULL, mode TEXT NOT NULL, token_id TEXT NOT NULL, condition_id TEXT NOT NULL,
    instance TEXT NOT NULL, shares DOUBLE PRECISION NOT NULL, avg_price DOUBLE PRECISION NOT NULL,
    realized_pnl DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (account, mode, token_id))`,
  `CREATE TABLE IF NOT EXISTS pnl_daily (
    account TEXT NOT NULL, mode TEXT NOT NULL, date TEXT NOT NULL, condition_id TEXT NOT NULL,
    realized_usd DOUBLE PRECISION NOT NULL, fees_usd DOUBLE PRECISION NOT NULL, rebates_usd DOUBLE PRECISION NOT NULL,
    net_realized_usd DOUBLE PRECISION NOT NULL, unrealized_usd DOUBLE PRECISION, updated_at BIGINT NOT NULL,
    PRIMARY KEY (account, mode, date, condition_id))`,
  `CREATE TABLE IF NOT EXISTS markouts (
    trade_id TEXT NOT NULL, token_id TEXT NOT NULL, horizon_sec INTEGER NOT NULL, account TEXT NOT NULL,
    condition_id TEXT NOT NULL, markout DOUBLE PRECISION NOT NULL, measured_at BIGINT NOT NULL,
    PRIMARY KEY (trade_id, token_id, horizon_sec))`,
  `CREATE TABLE IF NOT EXISTS selection_snapshots (
    id BIGSERIAL PRIMARY KEY, account TEXT NOT NULL, instance TEXT NOT NULL, taken_at BIGINT NOT NULL,
    market_count INTEGER NOT NULL, added JSONB NOT NULL, removed JSONB NOT NULL, markets JSONB NOT NULL,
    UNIQUE (instance, taken_at))`,
  `CREATE TABLE IF NOT EXISTS markets (
    condition_id TEXT PRIMARY KEY, question TEXT NOT NULL DEFAULT '', yes_token_id TEXT NOT NULL,
    no_token_id TEXT NOT NULL, tick_size DOUBLE PRECISION, updated_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS fair_values (
    condition_id TEXT NOT NULL, date TEXT NOT NULL, at BIGINT NOT NULL, fair DOUBLE PRECISION NOT NULL,
    reservation DOUBLE PRECISION NOT NULL, bid DOUBLE PRECISION NOT NULL, ask DOUBLE PRECISION NOT NULL,
    half_spread DOUBLE PRECISION NOT NULL, PRIMARY KEY (condition_id, date))`,
  `CREATE TABLE IF NOT EXISTS instance_risk (
    account TEXT NOT NULL, mode TEXT NOT NULL, instance TEXT NOT NULL, day BIGINT NOT NULL,
    pnl_usd DOUBLE PRECISION NOT NULL, exposure_usd DOUBLE PRECISION NOT NULL, halted BOOLEAN NOT NULL,
    updated_at BIGINT NOT NULL, PRIMARY KEY (account, mode, instance))`,
  `CREATE TABLE IF NOT EXISTS signer_buckets (
    signer TEXT NOT NULL, bucket TEXT NOT NULL, tokens DOUBLE PRECISION NOT NULL, updated_ms BIGINT NOT NULL,
    PRIMARY KEY (signer, bucket))`,
]
