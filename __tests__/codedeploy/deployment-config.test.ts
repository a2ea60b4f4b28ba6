import { CodeDeployClient, CreateDeploymentConfigCommand, DeploymentConfigAlreadyExistsException, GetDeploymentConfigCommand } from '@aws-sdk/client-codedeploy'
import { mockClient } from 'aws-sdk-client-mock'
import { parse as parseYaml } from 'yaml'
import { beforeEach, describe, expect, it } from 'vitest'
import { InputError } from '../../src/core/errors.js'
import { readConfig } from '../../src/core/inputs.js'
import { parseStages } from '../../src/core/stages.js'
import { lambdaAppSpec, parseEcsAppSpec } from '../../src/codedeploy/appspec.js'
import { chooseConfig, ensureConfig } from '../../src/codedeploy/deployment-config.js'
import { deploymentDescription, readCodeDeployInputs } from '../../src/codedeploy/inputs.js'
import { parseServerRevision } from '../../src/codedeploy/revision.js'

const cd = mockClient(CodeDeployClient)
beforeEach(() => cd.reset())

const choose = (text: string, platform: 'Lambda' | 'ECS' = 'Lambda') => chooseConfig(platform, parseStages(text), true)

describe('stages → deployment config', () => {
  it('maps presets, with or without the CodeDeployDefault.Lambda prefix, and equivalent lists, onto the predefined config', () => {
    expect(choose('Canary10Percent5Minutes')).toMatchObject({ kind: 'preset', name: 'CodeDeployDefault.LambdaCanary10Percent5Minutes' })
    expect(choose('CodeDeployDefault.LambdaLinear10PercentEvery1Minute')).toMatchObject({
      kind: 'preset',
      name: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
    })
    expect(choose('10%:30m, 100%')).toMatchObject({ kind: 'preset', name: 'CodeDeployDefault.LambdaCanary10Percent30Minutes' })
    expect(choose('AllAtOnce')).toMatchObject({ kind: 'preset', name: 'CodeDeployDefault.LambdaAllAtOnce' })
    expect(choose('Linear10PercentEvery3Minutes', 'ECS')).toMatchObject({ kind: 'preset', name: 'CodeDeployDefault.ECSLinear10PercentEvery3Minutes' })
  })

  it("uses the group's own config when stages is omitted", () => {
    expect(chooseConfig('Lambda', parseStages('Canary10Percent5Minutes'), false)).toEqual({ kind: 'group' })
  })

  it('names custom canary and linear configs after their steps, apart from the presets', () => {
    expect(choose('20%:3m, 100%')).toEqual({
      kind: 'custom',
      name: 'canary-release.Lambda.Canary20Percent3Minutes',
      routing: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 } },
    })
    expect(choose('25%:1m, 50%:1m, 75%:1m, 100%')).toEqual({
      kind: 'custom',
      name: 'canary-release.Lambda.Linear25PercentEvery1Minute',
      routing: { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: 25, linearInterval: 1 } },
    })
    expect(choose('30%:2m, 60%:2m, 90%:2m, 100%', 'ECS')).toMatchObject({ name: 'canary-release.ECS.Linear30PercentEvery2Minutes' })
    // An ECS config for a Lambda-only preset shape is custom.
    expect(choose('Canary10Percent10Minutes', 'ECS')).toMatchObject({ kind: 'custom', name: 'canary-release.ECS.Canary10Percent10Minutes' })
  })

  it.each([
    ['10%:5m, 30%:5m, 100%', 'equal steps of 10%'],
    ['10%:5m, 20%:10m, 100%', 'same time'],
    ['10%:90s, 100%', 'whole minutes'],
    ['2.5%:5m, 100%', 'whole percentage'],
    ['10%:5m, 50%:5m', 'ends at 50%'],
    ['10%:5m, 100%:5m', 'last stage cannot bake'],
    ['20%:1m, 40%:1m, 100%', 'after 5 stages'],
  ])('refuses %s with an InputError that suggests alias mode', (text, why) => {
    const error = (() => {
      try {
        choose(text)
      } catch (e) {
        return e
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toContain(`Input stages: ${JSON.stringify(text.replace(/\s+/g, ' '))}`.slice(0, 20))
    expect((error as Error).message).toContain(why)
    expect((error as Error).message).toContain('use alias mode')
  })

  it('refuses stages for EC2/on-prem, whose stages are the groups', () => {
    expect(() => chooseConfig('Server', parseStages('10%:5m, 100%'), true)).toThrow(/deployment groups .* are the stages/)
  })
})

describe('ensureConfig', () => {
  const custom = choose('20%:3m, 100%')
  const log = (): void => {}

  it('creates a custom config', async () => {
    cd.on(CreateDeploymentConfigCommand).resolves({ deploymentConfigId: 'x' })
    const client = new CodeDeployClient({ region: 'us-east-1' })
    expect(await ensureConfig(client, 'Lambda', custom, log)).toBe('canary-release.Lambda.Canary20Percent3Minutes')
    expect(cd.commandCalls(CreateDeploymentConfigCommand)[0]?.args[0].input).toEqual({
      deploymentConfigName: 'canary-release.Lambda.Canary20Percent3Minutes',
      computePlatform: 'Lambda',
      trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 } },
    })
  })

  it('reuses one made before after checking it matches, and refuses one that does not', async () => {
    cd.on(CreateDeploymentConfigCommand).rejects(new DeploymentConfigAlreadyExistsException({ message: 'exists', $metadata: {} }))
    cd.on(GetDeploymentConfigCommand)
      .resolvesOnce({
        deploymentConfigInfo: {
          computePlatform: 'Lambda',
          trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 3 } },
        },
      })
      .resolvesOnce({
        deploymentConfigInfo: {
          computePlatform: 'Lambda',
          trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 20, canaryInterval: 4 } },
        },
      })
    const client = new CodeDeployClient({ region: 'us-east-1' })
    expect(await ensureConfig(client, 'Lambda', custom, log)).toBe('canary-release.Lambda.Canary20Percent3Minutes')
    await expect(ensureConfig(client, 'Lambda', custom, log)).rejects.toThrow(/already exists but shifts traffic 20% for 4 min/)
  })

  it('writes nothing for a preset or the group default', async () => {
    const client = new CodeDeployClient({ region: 'us-east-1' })
    expect(await ensureConfig(client, 'Lambda', choose('Canary10Percent5Minutes'), log)).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes')
    expect(await ensureConfig(client, 'Lambda', { kind: 'group' }, log)).toBeUndefined()
    expect(cd.calls()).toHaveLength(0)
  })
})

describe('AppSpec and inputs', () => {
  it('writes a Lambda AppSpec with string versions and the hooks', () => {
    const text = lambdaAppSpec({
      functionName: 'orders',
      alias: 'live',
      currentVersion: '1',
      targetVersion: '2',
      beforeAllowTraffic: 'pre',
      afterAllowTraffic: 'post',
    })
    expect(text).toMatch(/^version: 0\.0$/m)
    expect(parseYaml(text)).toEqual({
      version: 0,
      Resources: [
        { TargetFunction: { Type: 'AWS::Lambda::Function', Properties: { Name: 'orders', Alias: 'live', CurrentVersion: '1', TargetVersion: '2' } } },
      ],
      Hooks: [{ BeforeAllowTraffic: 'pre' }, { AfterAllowTraffic: 'post' }],
    })
    expect(parseYaml(lambdaAppSpec({ functionName: 'f', alias: 'a', currentVersion: '3', targetVersion: '4' }))).not.toHaveProperty('Hooks')
  })

  it('checks an ECS AppSpec and names the file in errors', () => {
    const ok = parseEcsAppSpec(
      '{"Resources":[{"S":{"Type":"AWS::ECS::Service","Properties":{"TaskDefinition":"arn:td:1","LoadBalancerInfo":{"ContainerName":"web","ContainerPort":80}}}}]}',
      'a.json',
    )
    expect(ok).toMatchObject({ taskDefinition: 'arn:td:1', containerName: 'web', containerPort: 80 })
    expect(() => parseEcsAppSpec('Resources: []', 'x.yaml')).toThrow('Input appspec: "x.yaml": must declare exactly one resource')
  })

  it('parses S3 and GitHub revisions', () => {
    expect(parseServerRevision('s3://my-bucket/a/b.tgz', 'tgz')).toEqual({
      revisionType: 'S3',
      s3Location: { bucket: 'my-bucket', key: 'a/b.tgz', bundleType: 'tgz' },
    })
    expect(parseServerRevision(`octo/app@${'a'.repeat(40)}`, 'zip')).toEqual({
      revisionType: 'GitHub',
      gitHubLocation: { repository: 'octo/app', commitId: 'a'.repeat(40) },
    })
    expect(() => parseServerRevision('ftp://x', 'zip')).toThrow('Input revision: "ftp://x"')
    expect(() => parseServerRevision('s3://my-bucket/k', 'rar')).toThrow('Input bundle-type: "rar"')
  })

  const sha = 'c'.repeat(40)
  const env = { GITHUB_SHA: sha, GITHUB_REPOSITORY: 'octo/demo', GITHUB_RUN_ID: '1234567890', AWS_REGION: 'us-east-1' }
  const reader = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

  it('keeps the commit SHA and the run URL in the description, within 100 characters', () => {
    expect(deploymentDescription(sha, 'https://github.com/octo/demo/actions/runs/1')).toBe(`canary-release ${sha} https://github.com/octo/demo/actions/runs/1`)
    const long = deploymentDescription(sha, `https://github.com/${'o'.repeat(40)}/${'r'.repeat(40)}/actions/runs/123`)
    expect(long).toBe(`canary-release ${sha} run 123`)
  })

  it('rejects an inexpressible list while reading inputs, before any AWS call', () => {
    const inputs = {
      'codedeploy-application': 'app',
      'codedeploy-deployment-group': 'dg',
      'function-name': 'orders',
      version: '2',
      stages: '10%:5m, 30%:5m, 100%',
    }
    const config = readConfig(reader(inputs), env)
    expect(() => readCodeDeployInputs(config, reader(inputs), env)).toThrow(/^Input stages: "10%:5m, 30%:5m, 100%" cannot be expressed/)
    const good = readCodeDeployInputs(readConfig(reader({ ...inputs, stages: '' }), env), reader({ ...inputs, stages: '' }), env)
    expect(good).toMatchObject({ platform: 'Lambda', configChoice: { kind: 'group' }, sha, lambda: { functionName: 'orders', alias: 'live', version: '2' } })
    expect(good.description).toContain(sha)
  })

  it('names the conflicting input when two platforms are described', () => {
    const inputs = { 'codedeploy-application': 'app', 'codedeploy-deployment-group': 'dg', 'function-name': 'orders', version: '2', revision: 's3://b-b/k' }
    expect(() => readCodeDeployInputs(readConfig(reader(inputs), env), reader(inputs), env)).toThrow(/^Input revision: cannot be combined with function-name/)
  })
})
