// `npx tsx emulator/cli.ts --port 4566 [--seed 42]`: runs the emulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

const { values } = parseArgs({ options: { port: { type: 'string', default: '4566' }, seed: { type: 'string' } } })
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0) throw new Error(`invalid --port ${values.port}`)
const emulator = await startEmulator({ port, ...(values.seed !== undefined && { seed: Number(values.seed) }) })
console.log(`emulator listening on ${emulator.url}`)

const stop = (): void => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
