import { resolve } from 'node:path'
import { auth, sheets, type sheets_v4 } from '@googleapis/sheets'
import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { SourceOutput } from '../../../stages/io.ts'
import { applyFilters, FILTER_FIELDS, FiltersSchema } from '../selection/filters.ts'
import { logRejected } from '../selection/report.ts'
import { fetchSheetValues, selectionFromValues } from './read-sheet.ts'
import { loadServiceAccountKey } from './service-account.ts'
import { describeSheetsError } from './sheets-error.ts'
import { spreadsheetIdFrom } from './spreadsheet-id.ts'

const READ_SCOPE = 'https://www.googleapis.com/auth/spreadsheets.readonly'

/**
 * The curated market list from the "Selected Markets" tab of a Google Sheet, read with @googleapis/sheets.
 * Columns are found by header name; bad rows are reported with their sheet row number and skipped. Any failure
 * (network, auth, quota, a tab without token1/token2 headers) throws one Error naming the sheet: the universe
 * plane keeps the current selection and retries with back-off.
 */
export default definePlugin({
  name: 'sheets',
  stage: 'source',
  summary: 'Markets from the "Selected Markets" tab of a Google Sheet (SPREADSHEET_URL), re-read every refresh.',
  config: z.object({
    spreadsheet_url: z
      .string()
      .min(1)
      .refine((v) => spreadsheetIdFrom(v) !== undefined, {
        message: 'not a Google Sheets URL (https://docs.google.com/spreadsheets/d/<id>/…) or spreadsheet id',
      })
      .describe('The spreadsheet (SPREADSHEET_URL): its full URL or its bare id'),
    sheet_name: z
      .string()
      .min(1)
      .default('Selected Markets')
      .describe('The tab holding the market list (SELECTED_SHEET_NAME)'),
    credentials: z
      .string()
      .min(1)
      .optional()
      .describe('Service-account JSON key file, relative to the config file (e.g. ${GOOGLE_APPLICATION_CREDENTIALS})'),
    api_key: z.string().min(1).optional().describe('Google API key, for a sheet shared as "anyone with the link"'),
    root_url: z.url().optional().describe('Sheets API root URL (default https://sheets.googleapis.com/); for tests'),
    refresh: DurationSchema.prefault('15m').describe('How often the sheet is re-read'),
    timeout: DurationSchema.prefault('30s').describe('Timeout of one read of the sheet'),
    ...FiltersSchema.shape,
  }),
  secrets: ['api_key'],
  reloadable: ['spreadsheet_url', 'sheet_name', 'refresh', 'timeout', ...FILTER_FIELDS],
  examples: [
    {
      title: 'service account',
      with: {
        spreadsheet_url: 'https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit#gid=0',
        credentials: './google-service-account.json',
        min_liquidity: 10000,
        min_weekly_volume: 50000,
      },
    },
    {
      title: 'public sheet, own tab name',
      with: {
        spreadsheet_url: '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
        api_key: 'AIza-your-key',
        sheet_name: 'Markets',
      },
    },
  ],
  async create(cfg, ctx) {
    let client: sheets_v4.Sheets
    let account: string | undefined
    const secrets = cfg.api_key ? [cfg.api_key] : []
    const rootUrl = cfg.root_url ? { rootUrl: cfg.root_url } : {}
    if (cfg.credentials) {
      const key = await loadServiceAccountKey(resolve(ctx.configDir, cfg.credentials))
      account = key.client_email
      const jwt = new auth.JWT({
        email: key.client_email,
        key: key.private_key,
        keyId: key.private_key_id,
        scopes: [READ_SCOPE],
      })
      // A self-signed JWT carrying the scope: no round trip to Google's OAuth token endpoint, one failure mode
      // fewer, and the same signed request reaches whatever root_url points at.
      jwt.useJWTAccessWithScope = true
      client = sheets({ version: 'v4', auth: jwt, ...rootUrl })
      if (cfg.api_key) ctx.log.info('sheets: both credentials and api_key set; reading with the service account')
    } else if (cfg.api_key) {
      client = sheets({ version: 'v4', auth: cfg.api_key, ...rootUrl })
    } else {
      throw new Error('sheets source: set credentials (a service-account JSON key file) or api_key (a public sheet)')
    }

    return {
      get refreshMs() {
        return cfg.refresh
      },
      async run({ signal }): Promise<SourceOutput> {
        const spreadsheetId = spreadsheetIdFrom(cfg.spreadsheet_url) ?? cfg.spreadsheet_url
        const tab = cfg.sheet_name
        const where = `Google Sheet "${tab}" (spreadsheet ${spreadsheetId})`
        let data: unknown
        try {
          data = await fetchSheetValues(client, { spreadsheetId, sheetName: tab, signal, timeoutMs: cfg.timeout })
        } catch (err) {
          throw describeSheetsError(err, where, { account, secrets })
        }
        const out = applyFilters(
          selectionFromValues(data, where, (row) => `sheet "${tab}" row ${row}`),
          cfg,
        )
        logRejected(ctx.log, out.rejected)
        return out
      },
      reconfigure(next) {
        if (next.credentials !== cfg.credentials || next.api_key !== cfg.api_key || next.root_url !== cfg.root_url) {
          return false
        }
        cfg = next
        return true
      },
    }
  },
})
