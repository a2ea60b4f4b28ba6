import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { parse as parseYaml, stringify } from 'yaml'
import { InputError } from '../core/errors.js'
import { quote } from '../core/quote.js'

export interface LambdaAppSpecInput {
  readonly functionName: string
  readonly alias: string
  readonly currentVersion: string
  readonly targetVersion: string
  readonly beforeAllowTraffic?: string
  readonly afterAllowTraffic?: string
}

/** The AppSpec for a Lambda deployment: one function, its alias, the live and the new version, optional hooks. */
export function lambdaAppSpec(input: LambdaAppSpecInput): string {
  const hooks = [
    ...(input.beforeAllowTraffic ? [{ BeforeAllowTraffic: input.beforeAllowTraffic }] : []),
    ...(input.afterAllowTraffic ? [{ AfterAllowTraffic: input.afterAllowTraffic }] : []),
  ]
  const doc = {
    version: 0.0,
    Resources: [
      {
        TargetFunction: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: input.functionName,
            Alias: input.alias,
            CurrentVersion: input.currentVersion,
            TargetVersion: input.targetVersion,
          },
        },
      },
    ],
    ...(hooks.length > 0 ? { Hooks: hooks } : {}),
  }
  // `version: 0.0` must stay a float in YAML; the versions are strings ("2", quoted by the serializer).
  return stringify(doc).replace(/^version: 0$/m, 'version: 0.0')
}

export interface EcsAppSpec {
  /** The file's text, sent as AppSpecContent. */
  readonly content: string
  readonly path: string
  readonly taskDefinition: string
  readonly containerName: string
  readonly containerPort: number
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Reads and checks an ECS AppSpec (YAML or JSON) at `path`, relative to the workspace. */
export function readEcsAppSpec(path: string, workspace: string): EcsAppSpec {
  const full = isAbsolute(path) ? path : resolve(workspace, path)
  let content: string
  try {
    content = readFileSync(full, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new InputError('appspec', `cannot read ${quote(path)}${code ? ` (${code})` : ''}`)
  }
  return parseEcsAppSpec(content, path)
}

export function parseEcsAppSpec(content: string, path: string): EcsAppSpec {
  const fail = (why: string): InputError => new InputError('appspec', `${quote(path)}: ${why}`)
  let doc: unknown
  try {
    doc = parseYaml(content)
  } catch (error) {
    throw fail(`not valid YAML or JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`)
  }
  if (!isObject(doc)) throw fail('must be a YAML or JSON object')
  const resources = doc['Resources']
  const entries = Array.isArray(resources)
    ? resources.flatMap((r) => (isObject(r) ? Object.entries(r) : []))
    : isObject(resources)
      ? Object.entries(resources)
      : []
  if (entries.length !== 1) throw fail(`must declare exactly one resource under Resources (found ${entries.length})`)
  const [name, resource] = entries[0] as [string, unknown]
  if (!isObject(resource) || resource['Type'] !== 'AWS::ECS::Service') throw fail(`resource ${quote(name)} must have Type AWS::ECS::Service`)
  const props = isObject(resource['Properties']) ? resource['Properties'] : {}
  const taskDefinition = props['TaskDefinition']
  if (typeof taskDefinition !== 'string' || taskDefinition === '') throw fail('Properties.TaskDefinition (the task definition ARN) is missing')
  const lb = isObject(props['LoadBalancerInfo']) ? props['LoadBalancerInfo'] : {}
  const containerName = lb['ContainerName']
  const containerPort = Number(lb['ContainerPort'])
  if (typeof containerName !== 'string' || containerName === '') throw fail('Properties.LoadBalancerInfo.ContainerName is missing')
  if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
    throw fail('Properties.LoadBalancerInfo.ContainerPort must be a port number')
  }
  return { content, path, taskDefinition, containerName, containerPort }
}

/** The TaskDefinition named by an AppSpec's text, if it has one (for reporting the previous revision). */
export function taskDefinitionOf(content: string | undefined): string | undefined {
  if (!content) return undefined
  try {
    return parseEcsAppSpec(content, '').taskDefinition
  } catch {
    return undefined
  }
}
