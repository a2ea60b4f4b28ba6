// `npx tsx emulator/cli.ts --port 4566 [--seed 42] [--time-scale 1000]` (time scale: real ms per CodeDeploy and ECS minute): runs the emulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util'
import { startEmulator } from './server.js'

const { values } = parseArgs({
  options: { port: { type: 'string', default: '4566' }, seed: { type: 'string' }, 'time-scale': { type: 'string' } },
})
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0) throw new Error(`invalid --port ${values.port}`)
const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale'])
if (timeScale !== undefined && !(timeScale >= 0)) throw new Error(`invalid --time-scale ${values['time-scale']}`)
const emulator = await startEmulator({
  port,
  ...(values.seed !== undefined && { seed: Number(values.seed) }),
  ...(timeScale !== undefined && { codedeploy: { timeScale }, ecs: { timeScale } }),
})
console.log(`emulator listening on ${emulator.url}`)

const stop = (): void => {
  emulator.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
