/**
 * Version 2: every row records whose it is (`mode`: paper | live | test, `account`: the maker address), so paper
 * and live, a dry run and real trading, or two accounts never read each other's rows; `state_owner` records who
 * the file belongs to so the daemon can refuse another's. Rows of a version 1 file get mode = '' and account = ''
 * (unknown) until an operator adopts them (--adopt-state).
 *
 * Tables keyed by something account-specific (positions per token, pnl_daily and fair_values per market and day)
 * are rebuilt with mode and account in the key; the others get two columns.
 */

const OWNER_COLUMNS = `mode TEXT NOT NULL DEFAULT '' CHECK (mode IN ('', 'paper', 'live', 'test')),
  account TEXT NOT NULL DEFAULT ''`

const addOwner = (table: string) =>
  `ALTER TABLE ${table} ADD COLUMN mode TEXT NOT NULL DEFAULT '' CHECK (mode IN ('', 'paper', 'live', 'test'));
ALTER TABLE ${table} ADD COLUMN account TEXT NOT NULL DEFAULT '';`

export const SCHEMA_V2 = `
${addOwner('orders')}
${addOwner('orders_active')}
${addOwner('fills')}
${addOwner('markouts')}
${addOwner('selection_snapshots')}
${addOwner('markets')}
CREATE INDEX fills_by_owner ON fills (mode, account, filled_at);
CREATE INDEX orders_active_by_owner ON orders_active (mode, account);

CREATE TABLE positions_v2 (
  ${OWNER_COLUMNS},
  token_id     TEXT    NOT NULL,
  condition_id TEXT    NOT NULL,
  shares       REAL    NOT NULL,
  avg_price    REAL    NOT NULL,
  realized_pnl REAL    NOT NULL,
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (mode, account, token_id)
) STRICT;
INSERT INTO positions_v2 (token_id, condition_id, shares, avg_price, realized_pnl, updated_at)
  SELECT token_id, condition_id, shares, avg_price, realized_pnl, updated_at FROM positions;
DROP TABLE positions;
ALTER TABLE positions_v2 RENAME TO positions;

CREATE TABLE pnl_daily_v2 (
  ${OWNER_COLUMNS},
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
  PRIMARY KEY (mode, account, date, condition_id)
) STRICT;
INSERT INTO pnl_daily_v2 (date, condition_id, realized_usd, fees_usd, rebates_usd, net_realized_usd, unrealized_usd,
    fair, fair_at, volume_usd, fills, yes_shares, no_shares, computed_at)
  SELECT date, condition_id, realized_usd, fees_usd, rebates_usd, net_realized_usd, unrealized_usd, fair, fair_at,
    volume_usd, fills, yes_shares, no_shares, computed_at FROM pnl_daily;
DROP TABLE pnl_daily;
ALTER TABLE pnl_daily_v2 RENAME TO pnl_daily;

CREATE TABLE fair_values_v2 (
  ${OWNER_COLUMNS},
  condition_id TEXT    NOT NULL,
  date         TEXT    NOT NULL,
  at           INTEGER NOT NULL,
  fair         REAL    NOT NULL,
  reservation  REAL    NOT NULL,
  bid          REAL    NOT NULL,
  ask          REAL    NOT NULL,
  half_spread  REAL    NOT NULL,
  PRIMARY KEY (mode, account, condition_id, date)
) STRICT;
INSERT INTO fair_values_v2 (condition_id, date, at, fair, reservation, bid, ask, half_spread)
  SELECT condition_id, date, at, fair, reservation, bid, ask, half_spread FROM fair_values;
DROP TABLE fair_values;
ALTER TABLE fair_values_v2 RENAME TO fair_values;

-- Who the file belongs to: one row. ephemeral = 1 for paper runs on throwaway keys (any of them may write here).
CREATE TABLE state_owner (
  id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
  mode       TEXT    NOT NULL CHECK (mode IN ('paper', 'live')),
  account    TEXT    NOT NULL,
  ephemeral  INTEGER NOT NULL CHECK (ephemeral IN (0, 1)),
  claimed_at INTEGER NOT NULL
) STRICT;
`
