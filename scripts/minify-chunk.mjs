// Worker for scripts/bundle.mjs: minifies one lazily loaded chunk in place, so chunks minify in parallel.
import { readFileSync, writeFileSync } from 'node:fs'
import { workerData } from 'node:worker_threads'
import { minify } from 'terser'

const result = await minify(readFileSync(workerData, 'utf8'), { module: true, ecma: 2022, compress: { passes: 1 }, mangle: true })
if (result.code === undefined) throw new Error(`terser produced nothing for ${workerData}`)
writeFileSync(workerData, result.code)
