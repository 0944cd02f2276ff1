/**
 * The database layout, version by version. Table names are the original daemon's (orders, fills, positions,
 * orders_active, pnl_daily, markouts, selection_snapshots); `markets` and `fair_values` are ours, so the CLI can
 * map a market's YES/NO tokens and value positions without the exchange.
 *
 * Conventions: times are ms since the epoch, UTC (`*_at`); sizes are shares; prices are per share in USD;
 * `usd_value` = price × size. STRICT tables so a wrong type is an error, not a silent coercion.
 */

/** Order statuses after which an order can never rest on the book again. */
export const TERMINAL_ORDER_STATUSES = ['filled', 'cancelled', 'rejected'] as const

/** Trade statuses that are final: a replayed earlier status must not overwrite them. */
export const FINAL_TRADE_STATUSES = ['CONFIRMED', 'FAILED'] as const

const ORDER_COLUMNS = `
  order_id     TEXT    NOT NULL PRIMARY KEY,
  condition_id TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  side         TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
  price        REAL    NOT NULL,
  size         REAL    NOT NULL,
  usd_value    REAL    NOT NULL,
  filled       REAL    NOT NULL DEFAULT 0,
  status       TEXT    NOT NULL,
  layer        INTEGER NOT NULL,
  quote_side   TEXT    NOT NULL CHECK (quote_side IN ('bid', 'ask')),
  quoted_mid   REAL    NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL`

/** Version 1: every table. */
export const SCHEMA_V1 = `
CREATE TABLE orders (${ORDER_COLUMNS}
) STRICT;
CREATE INDEX orders_by_market ON orders (condition_id, created_at);

-- Mirror of the orders that may rest on the book: inserted/updated while live, deleted once terminal.
CREATE TABLE orders_active (${ORDER_COLUMNS}
) STRICT;

-- One row per (trade, order, token): a fill recorded twice is one row; its status moves forward in place.
CREATE TABLE fills (
  trade_id     TEXT    NOT NULL,
  order_id     TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  condition_id TEXT    NOT NULL,
  side         TEXT    NOT NULL CHECK (side IN ('BUY', 'SELL')),
  price        REAL    NOT NULL,
  size         REAL    NOT NULL,
  usd_value    REAL    NOT NULL,
  fee_usd      REAL    NOT NULL DEFAULT 0,
  rebate_usd   REAL    NOT NULL DEFAULT 0,
  role         TEXT    NOT NULL,
  trade_status TEXT    NOT NULL,
  filled_at    INTEGER NOT NULL,
  recorded_at  INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (trade_id, order_id, token_id)
) STRICT;
CREATE INDEX fills_by_time ON fills (filled_at);

CREATE TABLE positions (
  token_id     TEXT    NOT NULL PRIMARY KEY,
  condition_id TEXT    NOT NULL,
  shares       REAL    NOT NULL,
  avg_price    REAL    NOT NULL,
  realized_pnl REAL    NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- Written by export-pnl: one row per UTC day and market. unrealized_usd is NULL when no fair value was known.
CREATE TABLE pnl_daily (
  date             TEXT    NOT NULL,
  condition_id     TEXT    NOT NULL,
  realized_usd     REAL    NOT NULL,
  fees_usd         REAL    NOT NULL,
  rebates_usd      REAL    NOT NULL,
  net_realized_usd REAL    NOT NULL,
  unrealized_usd   REAL,
  fair             REAL,
  fair_at          INTEGER,
  volume_usd       REAL    NOT NULL,
  fills            INTEGER NOT NULL,
  yes_shares       REAL    NOT NULL,
  no_shares        REAL    NOT NULL,
  computed_at      INTEGER NOT NULL,
  PRIMARY KEY (date, condition_id)
) STRICT;

CREATE TABLE markouts (
  trade_id     TEXT    NOT NULL,
  token_id     TEXT    NOT NULL,
  horizon_sec  INTEGER NOT NULL,
  condition_id TEXT    NOT NULL,
  markout      REAL    NOT NULL,
  measured_at  INTEGER NOT NULL,
  PRIMARY KEY (trade_id, token_id, horizon_sec)
) STRICT;

CREATE TABLE selection_snapshots (
  id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
  taken_at     INTEGER NOT NULL UNIQUE,
  market_count INTEGER NOT NULL,
  added        TEXT    NOT NULL,
  removed      TEXT    NOT NULL,
  markets      TEXT    NOT NULL
) STRICT;

-- Which token is YES and which is NO, from selection and position events.
CREATE TABLE markets (
  condition_id TEXT    NOT NULL PRIMARY KEY,
  question     TEXT    NOT NULL DEFAULT '',
  yes_token_id TEXT    NOT NULL,
  no_token_id  TEXT    NOT NULL,
  tick_size    REAL,
  updated_at   INTEGER NOT NULL
) STRICT;

-- The last quote of each market per UTC day: the fair value export-pnl marks positions at.
CREATE TABLE fair_values (
  condition_id TEXT    NOT NULL,
  date         TEXT    NOT NULL,
  at           INTEGER NOT NULL,
  fair         REAL    NOT NULL,
  reservation  REAL    NOT NULL,
  bid          REAL    NOT NULL,
  ask          REAL    NOT NULL,
  half_spread  REAL    NOT NULL,
  PRIMARY KEY (condition_id, date)
) STRICT;
`

/** ms UTC → its UTC day, YYYY-MM-DD. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}
