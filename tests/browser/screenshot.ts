import { launchChromium } from './chromium.ts'

/**
 * `bun tests/browser/screenshot.ts <url> <out.png> [wait-s]`: a screenshot of the dashboard of a running daemon
 * (docs/dashboard.png is made this way on the paper default).
 */
const [url = 'http://127.0.0.1:9108/', out = 'docs/dashboard.png', wait = '20'] = process.argv.slice(2)
const browser = await launchChromium()
try {
  const page = await browser.context.newPage()
  await page.goto(url)
  await page.waitForSelector('body[data-feed="live"]')
  await Bun.sleep(Number(wait) * 1000)
  await page.screenshot({ path: out, fullPage: true })
  console.log(`wrote ${out}`)
} finally {
  await browser.close()
}
