/**
 * Draws the job summary's weight chart for a few sample rollouts as PNGs, in GitHub's light and
 * dark themes, to look at: `npx tsx scripts/render-charts.ts [outDir]` (default .tmp/charts).
 *
 * Needs @mermaid-js/mermaid-cli, which is not a dependency of this repository (it would pull a
 * browser into every `npm ci`): install it elsewhere with the browser download skipped, and use
 * the system's Chromium, e.g.
 *   PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix ~/mmdc @mermaid-js/mermaid-cli
 *   apt-get install -y chromium
 *   MMDC=~/mmdc/node_modules/.bin/mmdc npx tsx scripts/render-charts.ts
 * CHROMIUM overrides /usr/bin/chromium. CI needs none of this: the chart's text is tested instead.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { weightChart } from '../src/report/chart.js'
import { samples } from './charts/samples.js'

/** GitHub draws mermaid with the `default` theme on its light background and `dark` on its dark one. */
const THEMES = [
  { name: 'light', theme: 'default', background: '#ffffff' },
  { name: 'dark', theme: 'dark', background: '#0d1117' },
] as const

const out = resolve(process.argv[2] ?? '.tmp/charts')
mkdirSync(out, { recursive: true })
const puppeteerConfig = join(out, 'puppeteer.json')
writeFileSync(puppeteerConfig, JSON.stringify({ executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] }))
const mmdc = process.env['MMDC'] ?? 'mmdc'

for (const sample of await samples()) {
  const chart = weightChart(sample.outcome)
  if (!chart) throw new Error(`${sample.name}: no chart`)
  const source = /```mermaid\n([\s\S]*?)\n```/.exec(chart)?.[1] ?? ''
  const input = join(out, `${sample.name}.mmd`)
  writeFileSync(input, `${source}\n`)
  for (const { name, theme, background } of THEMES) {
    const png = join(out, `${sample.name}-${name}.png`)
    execFileSync(mmdc, ['-p', puppeteerConfig, '-i', input, '-o', png, '-t', theme, '-b', background, '-w', '900', '-s', '2'], { stdio: 'inherit' })
    console.log(`${png}: ${sample.what}`)
  }
}
