import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('dist/', () => {
  it('is exactly what a fresh bundle produces (commit the rebuilt dist/)', () => {
    const out = mkdtempSync(join(tmpdir(), 'dist-check-'))
    try {
      execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), out], { cwd: root, stdio: 'pipe' })
      const fresh = readdirSync(out).sort()
      expect(readdirSync(join(root, 'dist')).sort()).toEqual(fresh)
      for (const file of fresh) {
        const same = readFileSync(join(out, file)).equals(readFileSync(join(root, 'dist', file)))
        expect(same, `dist/${file} is stale: run npm run bundle`).toBe(true)
      }
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  }, 300_000)
})
