import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestContext, createTestPlugin, type TestContext } from '../../../pipeline/testing.ts'
import { type FakeSheetsServer, startFakeSheetsServer } from './fake-sheets-server.ts'
import sheetsPlugin from './index.ts'

const SHEET_ID = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'
const SHEET_URL = `https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit#gid=0`
const API_KEY = 'AIzaSyTestKey-0123456789'
const ACCOUNT = 'mm-reader@mm-test.iam.gserviceaccount.com'
const BTC_YES = '104239898038807136052399800151408521467737075933964991162589336683346093173875'
const BTC_NO = '71183960810705820955071415844881728181970340514894896943812046065452395013351'
const RU_YES = '22978793223071892222859460592277435458011604214087068523744633723809814935807'
const RU_NO = '108268928354766371660560153450121076545199284531791348447523752861907448942629'

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

const account = keyPair()
let server: FakeSheetsServer
let dir: string

/** The tab as a user keeps it: columns in their own order, extras, blank rows, formatted numbers, mistakes. */
const SELECTED: string[][] = [
  ['Question', 'Volume_7d', 'token2', 'Token1 ', 'Liquidity', 'condition_id', 'Volume_30d', 'Notes'],
  ['BTC up/down', '50,000', BTC_NO, BTC_YES, '$20,328.37', '', '150,000', 'keep'],
  [],
  ['Ceasefire 2027', '20,000', RU_NO, RU_YES, '$5,000.00', '', '40,000'],
  ['typo', '1', '2', '', '1'],
  ['sci', '1', RU_NO, '2.29787932230719E+76', '1'],
  ['', '', '', '', '', '', '', 'a note in an otherwise blank row'],
  ['bad liquidity', '1', '77', '78', 'lots'],
]

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mm-sheets-'))
  writeFileSync(
    join(dir, 'sa.json'),
    JSON.stringify({
      type: 'service_account',
      project_id: 'mm-test',
      private_key_id: 'k1',
      private_key: account.privatePem,
      client_email: ACCOUNT,
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
  )
  const stranger = keyPair()
  writeFileSync(
    join(dir, 'stranger.json'),
    JSON.stringify({ type: 'service_account', private_key: stranger.privatePem, client_email: ACCOUNT }),
  )
  writeFileSync(join(dir, 'not-a-key.json'), JSON.stringify({ type: 'authorized_user', client_id: 'x' }))
  server = startFakeSheetsServer({
    apiKeys: [API_KEY],
    serviceAccount: { email: ACCOUNT, publicKeyPem: account.publicPem },
  })
  server.setSpreadsheet(SHEET_ID, {
    tabs: {
      'Selected Markets': SELECTED,
      "Bob's Markets": [
        ['token1', 'token2'],
        ['5', '6'],
      ],
      'No Tokens': [
        ['Question', 'token_1', 'token2'],
        ['x', '1', '2'],
      ],
      Empty: [],
    },
    sharedWith: [ACCOUNT],
  })
  server.setSpreadsheet('1PrivateSheetNotShared00', { tabs: { 'Selected Markets': [['token1', 'token2']] } })
})

afterAll(async () => {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

function ctx(): TestContext {
  return createTestContext({ stage: 'source', plugin: 'sheets', configDir: dir })
}
const input = () => ({ now: 0, signal: new AbortController().signal })
const withKey = (extra: Record<string, unknown> = {}) => ({
  spreadsheet_url: SHEET_URL,
  api_key: API_KEY,
  root_url: server.url,
  ...extra,
})

describe('sheets source: reading the tab with the real client', () => {
  test('columns by header in any order, formatted numbers, blank rows skipped, bad rows by sheet row', async () => {
    const c = ctx()
    const source = await createTestPlugin(sheetsPlugin, withKey(), c)
    const out = await source.run(input())
    expect(out.rows).toEqual([
      {
        token1: BTC_YES,
        token2: BTC_NO,
        liquidity: 20328.37,
        volume_7d: 50_000,
        volume_30d: 150_000,
        origin: 'sheet "Selected Markets" row 2',
      },
      {
        token1: RU_YES,
        token2: RU_NO,
        liquidity: 5000,
        volume_7d: 20_000,
        volume_30d: 40_000,
        origin: 'sheet "Selected Markets" row 4',
      },
    ])
    expect(out.rejected.map((r) => r.origin)).toEqual([
      'sheet "Selected Markets" row 5',
      'sheet "Selected Markets" row 6',
      'sheet "Selected Markets" row 8',
    ])
    expect(out.rejected[0]?.reason).toBe('token1 is missing')
    expect(out.rejected[1]?.reason).toContain('format the column as plain text')
    expect(out.rejected[2]?.reason).toBe('Liquidity "lots" is not a number')
    expect(c.lines.some((l) => l.includes('sheet "Selected Markets" row 5: skipped: token1 is missing'))).toBe(true)
  })

  test('asks for the whole tab as formatted values, with the API key', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey(), ctx())
    await source.run(input())
    const req = server.requests.at(-1)
    expect(req?.path).toBe(`/v4/spreadsheets/${SHEET_ID}/values/%27Selected%20Markets%27`)
    expect(req?.query).toMatchObject({ key: API_KEY, valueRenderOption: 'FORMATTED_VALUE', majorDimension: 'ROWS' })
  })

  test('a bare spreadsheet id and a tab name with a quote work (SELECTED_SHEET_NAME)', async () => {
    const source = await createTestPlugin(
      sheetsPlugin,
      withKey({ spreadsheet_url: SHEET_ID, sheet_name: "Bob's Markets" }),
      ctx(),
    )
    expect((await source.run(input())).rows).toEqual([
      { token1: '5', token2: '6', origin: `sheet "Bob's Markets" row 2` },
    ])
  })

  test('filters apply with their reasons', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey({ mm_score_min: 1_000_000 }), ctx())
    const out = await source.run(input())
    // 20,328.37·√50,000 ≈ 4.55e6 passes; 5,000·√20,000 ≈ 7.07e5 does not.
    expect(out.rows.map((r) => r.token1)).toEqual([BTC_YES])
    expect(out.rejected).toContainEqual({
      origin: 'sheet "Selected Markets" row 4',
      reason: 'filtered out: mm_score 707107 < mm_score_min 1000000',
    })
  })

  test('refresh defaults to 15 minutes; the tab name and filters reload in place, credentials do not', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey(), ctx())
    expect(source.refreshMs).toBe(900_000)
    const next = sheetsPlugin.config.parse(withKey({ sheet_name: "Bob's Markets", refresh: '5m' }))
    expect(source.reconfigure?.(next)).toBe(true)
    expect(source.refreshMs).toBe(300_000)
    expect((await source.run(input())).rows.map((r) => r.token1)).toEqual(['5'])
    expect(source.reconfigure?.({ ...next, api_key: 'other' })).toBe(false)
  })
})

describe('sheets source: service account', () => {
  test('reads with a self-signed JWT from the key file', async () => {
    const source = await createTestPlugin(
      sheetsPlugin,
      { spreadsheet_url: SHEET_URL, credentials: 'sa.json', root_url: server.url },
      ctx(),
    )
    expect((await source.run(input())).rows).toHaveLength(2)
    const req = server.requests.at(-1)
    expect(req?.authorization).toStartWith('Bearer ')
    expect(req?.query.key).toBeUndefined()
  })

  test('a key the server does not know is an authentication failure naming the sheet', async () => {
    const source = await createTestPlugin(
      sheetsPlugin,
      { spreadsheet_url: SHEET_URL, credentials: 'stranger.json', root_url: server.url },
      ctx(),
    )
    await expect(source.run(input())).rejects.toThrow(
      `Google Sheet "Selected Markets" (spreadsheet ${SHEET_ID}): authentication failed (HTTP 401 UNAUTHENTICATED)`,
    )
  })

  test('a sheet not shared with the account is access denied, saying whom to share it with', async () => {
    const source = await createTestPlugin(
      sheetsPlugin,
      { spreadsheet_url: '1PrivateSheetNotShared00', credentials: 'sa.json', root_url: server.url },
      ctx(),
    )
    const err = await source.run(input()).catch((e: Error) => e)
    expect(String(err)).toContain('access denied (HTTP 403 PERMISSION_DENIED): The caller does not have permission')
    expect(String(err)).toContain(`share the spreadsheet with ${ACCOUNT}`)
  })

  test('a missing or wrong key file fails the build with the file named', async () => {
    await expect(
      createTestPlugin(sheetsPlugin, { spreadsheet_url: SHEET_URL, credentials: 'missing.json' }, ctx()),
    ).rejects.toThrow(`cannot read Google credentials file ${join(dir, 'missing.json')}: ENOENT`)
    await expect(
      createTestPlugin(sheetsPlugin, { spreadsheet_url: SHEET_URL, credentials: 'not-a-key.json' }, ctx()),
    ).rejects.toThrow('is not a service-account key')
  })
})

describe('sheets source: failures throw one clear error naming the sheet', () => {
  test('quota (429): one request, no hidden client retries, and the next read works again', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey(), ctx())
    const before = server.requests.length
    server.failNext(429)
    await expect(source.run(input())).rejects.toThrow(
      `Google Sheet "Selected Markets" (spreadsheet ${SHEET_ID}): quota exceeded (HTTP 429 RESOURCE_EXHAUSTED): Quota exceeded for quota metric 'Read requests'`,
    )
    await Bun.sleep(0)
    expect(server.requests.length).toBe(before + 1)
    expect((await source.run(input())).rows).toHaveLength(2)
  })

  test('a server error (500) is reported with its status', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey(), ctx())
    server.failNext(500)
    await expect(source.run(input())).rejects.toThrow('request failed (HTTP 500 INTERNAL): Internal error encountered.')
  })

  test('a wrong API key is rejected without echoing the key', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey({ api_key: 'AIza-wrong-key-123' }), ctx())
    const err = await source.run(input()).catch((e: Error) => e)
    expect(String(err)).toContain('API key rejected (HTTP 400 INVALID_ARGUMENT): API key not valid')
    expect(String(err)).not.toContain('AIza-wrong-key-123')
  })

  test('malformed sheet: no token1 header', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey({ sheet_name: 'No Tokens' }), ctx())
    await expect(source.run(input())).rejects.toThrow(
      `Google Sheet "No Tokens" (spreadsheet ${SHEET_ID}): missing required column token1 (header row has: Question, token_1, token2)`,
    )
  })

  test('malformed sheet: an empty tab has no header', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey({ sheet_name: 'Empty' }), ctx())
    await expect(source.run(input())).rejects.toThrow('Google Sheet "Empty"')
  })

  test('a tab that does not exist and a spreadsheet that does not exist', async () => {
    const noTab = await createTestPlugin(sheetsPlugin, withKey({ sheet_name: 'Selected' }), ctx())
    await expect(noTab.run(input())).rejects.toThrow('tab not found (HTTP 400 INVALID_ARGUMENT): Unable to parse range')
    const noSheet = await createTestPlugin(sheetsPlugin, withKey({ spreadsheet_url: '1NoSuchSpreadsheet0000' }), ctx())
    await expect(noSheet.run(input())).rejects.toThrow('spreadsheet not found (HTTP 404 NOT_FOUND)')
  })

  test('network: nothing listening; the API key does not leak into the message', async () => {
    const gone = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
    const deadUrl = `http://127.0.0.1:${gone.port}/`
    await gone.stop(true)
    const source = await createTestPlugin(sheetsPlugin, withKey({ root_url: deadUrl }), ctx())
    const err = await source.run(input()).catch((e: Error) => e)
    expect(String(err)).toContain(
      `Google Sheet "Selected Markets" (spreadsheet ${SHEET_ID}): cannot reach Google Sheets`,
    )
    expect(String(err)).not.toContain(API_KEY)
  })

  test('an aborted read throws', async () => {
    const source = await createTestPlugin(sheetsPlugin, withKey(), ctx())
    const abort = new AbortController()
    abort.abort(new Error('stopping'))
    await expect(source.run({ now: 0, signal: abort.signal })).rejects.toThrow('Google Sheet "Selected Markets"')
  })
})

describe('sheets source: config', () => {
  test('needs credentials or an API key', async () => {
    await expect(createTestPlugin(sheetsPlugin, { spreadsheet_url: SHEET_URL }, ctx())).rejects.toThrow(
      'set credentials (a service-account JSON key file) or api_key',
    )
  })

  test('spreadsheet_url must be a Sheets URL or an id', () => {
    expect(sheetsPlugin.config.safeParse({ spreadsheet_url: 'https://example.com/x', api_key: 'k' }).success).toBe(
      false,
    )
    expect(sheetsPlugin.config.safeParse({ spreadsheet_url: SHEET_URL, api_key: 'k' }).success).toBe(true)
  })
})
