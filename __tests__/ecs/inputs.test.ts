import { describe, expect, it } from 'vitest'
import { readConfig } from '../../src/core/inputs.js'
import { readEcsInputs } from '../../src/ecs/inputs.js'

const ENV = { AWS_REGION: 'us-east-1' }
const read = (inputs: Record<string, string>) => (name: string) => inputs[name] ?? ''

function ecs(inputs: Record<string, string>) {
  const all = { service: 'web', 'task-definition': 'web:2', ...inputs }
  return readEcsInputs(readConfig(read(all), ENV), read(all))
}

describe('issue 19: ECS mode inputs', () => {
  it('selects ECS mode with service, defaults the cluster, and maps the stages', () => {
    const config = readConfig(read({ service: 'web', 'task-definition': 'web:2' }), ENV)
    expect(config).toMatchObject({ ecs: true, alb: false, codeDeploy: false, pollMs: 15_000 })
    expect(ecs({})).toMatchObject({
      service: 'web',
      cluster: 'default',
      taskDefinition: 'web:2',
      plan: { production: { strategy: 'CANARY', percent: 10, bakeMinutes: 5 } },
    })
  })

  it.each([
    [{ service: 'web app' }, 'Input service: "web app" is not an ECS service name'],
    [{ cluster: 'prod/eu' }, 'Input cluster: "prod/eu" is not an ECS cluster name'],
    [{ 'task-definition': 'web' }, 'a family alone would deploy whatever revision is latest'],
    [{ 'task-definition': '' }, 'Input task-definition: is required with service'],
    [{ stages: '10%:90s, 100%' }, 'Input stages: the canary "10%:90s" bakes 90s: ECS bakes in whole minutes'],
  ])('refuses %o before any AWS call', (inputs, message) => {
    expect(() => ecs(inputs)).toThrow(message)
  })

  it('refuses service with another way to move traffic', () => {
    expect(() => readConfig(read({ service: 'web', listener: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/w/1/2' }), ENV)).toThrow(
      'Input service: cannot be combined with listener',
    )
    expect(() => readConfig(read({ service: 'web', 'codedeploy-application': 'a', 'codedeploy-deployment-group': 'g' }), ENV)).toThrow(
      'Input service: cannot be combined with codedeploy-application',
    )
  })

  it('needs no task definition to roll back', () => {
    expect(ecs({ mode: 'rollback', 'task-definition': '' })).toMatchObject({ taskDefinition: '', plan: undefined })
  })
})
