// Stand-in for dist/index.js used to test the e2e harness. Node builtins only.
// Speaks the runner protocol as an action does: heredoc file commands, workflow commands on stdout, STATE_* in post.
// FAKE_MODE: ok (default) | fail | wait (handles SIGINT) | stubborn (ignores SIGINT/SIGTERM) | crash
import { appendFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import { EOL } from 'node:os'

const env = process.env
const escapeData = (s) => String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

function fileCommand(fileVar, key, value) {
  const delimiter = `ghadelimiter_${randomUUID()}`
  appendFileSync(env[fileVar], `${key}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`)
}
const setOutput = (k, v) => fileCommand('GITHUB_OUTPUT', k, v)
const saveState = (k, v) => fileCommand('GITHUB_STATE', k, v)
const log = (s) => process.stdout.write(s + EOL)

if (env['STATE_phase'] !== undefined) {
  // Post step.
  setOutput('post-saw-phase', env['STATE_phase'])
  setOutput('post-saw-stable', env['STATE_stable'] ?? '')
  setOutput('post-saw-exported', env['FAKE_EXPORTED'] ?? '')
  setOutput('post-path-first', (env['PATH'] ?? '').split(':')[0] ?? '')
  setOutput('post-function-name', env['INPUT_FUNCTION-NAME'] ?? '')
  appendFileSync(env['GITHUB_STEP_SUMMARY'], `post ran${EOL}`)
  log('post done')
} else {
  const mode = env['FAKE_MODE'] ?? 'ok'
  setOutput('function-name', env['INPUT_FUNCTION-NAME'] ?? '<unset>')
  setOutput('node', process.versions.node)
  setOutput('alias', env['INPUT_ALIAS'] ?? '<unset>')
  setOutput('stages', env['INPUT_STAGES'] ?? '<unset>')
  setOutput('version', env['INPUT_VERSION'] ?? '<unset>')
  setOutput('multi', 'line one\nline two = with equals\n<<not a heredoc')
  appendFileSync(env['GITHUB_OUTPUT'], `plain=simple=value${EOL}`)
  setOutput('leak', env['E2E_LEAK_CHECK'] ?? '')
  setOutput('cwd', process.cwd())
  setOutput('region', env['AWS_REGION'] ?? '')
  setOutput('workspace', env['GITHUB_WORKSPACE'] ?? '')
  saveState('phase', 'post-ready')
  saveState('stable', '3')
  fileCommand('GITHUB_ENV', 'FAKE_EXPORTED', 'yes')
  appendFileSync(env['GITHUB_PATH'], `/opt/fake-bin${EOL}`)
  appendFileSync(env['GITHUB_STEP_SUMMARY'], `## Fake summary${EOL}${EOL}| a | b |${EOL}`)
  log('::add-mask::s3cr3t')
  log(`::warning file=src/a.ts,line=3,title=Heads%3A up::${escapeData('careful')}`)
  log(`::error::${escapeData('boom\nsecond line 100%')}`)

  if (mode === 'fail') {
    process.exitCode = 1
  } else if (mode === 'wait' || mode === 'stubborn' || mode === 'crash') {
    const keepAlive = setInterval(() => {}, 1000)
    if (mode === 'wait') {
      process.on('SIGINT', () => {
        log('got SIGINT')
        setOutput('result', 'cancelled')
        setTimeout(
          () => {
            clearInterval(keepAlive)
            process.exit(1)
          },
          Number(env['FAKE_SIGINT_EXIT_MS'] ?? '50'),
        )
      })
    } else if (mode === 'stubborn') {
      process.on('SIGINT', () => log('ignoring SIGINT'))
      process.on('SIGTERM', () => log('ignoring SIGTERM'))
    }
    log('waiting')
  }
}
