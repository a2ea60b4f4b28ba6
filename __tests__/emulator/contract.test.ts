import { describe, expect, it } from 'vitest'
import { botocoreDataDir, validateExchange } from '../../__fixtures__/api-model.js'
import type { Exchange } from '../../emulator/server.js'

const exchange = (service: Exchange['service'], operation: string, body: unknown, status = 200) => ({
  service,
  operation,
  status,
  headers: {},
  body,
})

describe.skipIf(botocoreDataDir() === null)('API model validator (botocore service-2.json)', () => {
  it('accepts a response in the published shape', () => {
    expect(
      validateExchange(exchange('lambda', 'GetAlias', { Name: 'live', FunctionVersion: '3', RoutingConfig: { AdditionalVersionWeights: { '4': 0.1 } } })),
    ).toEqual([])
  })

  it('names a wrong type, a member the model lacks, and a value outside an enum', () => {
    expect(validateExchange(exchange('lambda', 'GetAlias', { FunctionVersion: 3, Extra: 1 }))).toEqual([
      'lambda:GetAlias (200): $.FunctionVersion: expected a string, got 3 (shape Version)',
      'lambda:GetAlias (200): $.Extra: not a member of AliasConfiguration',
    ])
    expect(validateExchange(exchange('codedeploy', 'GetDeployment', { deploymentInfo: { status: 'Bogus' } }))[0]).toContain(
      '"Bogus" is not one of Created, Queued, InProgress, Baking, Succeeded, Failed, Stopped, Ready',
    )
  })

  it('issue 19: checks ECS service deployments against the ecs model (statuses and lifecycle stages as it enumerates them)', () => {
    const good = {
      serviceDeployments: [{ status: 'ROLLBACK_IN_PROGRESS', lifecycleStage: 'BAKE_TIME', targetServiceRevision: { requestedProductionTrafficWeight: 10 } }],
    }
    expect(validateExchange(exchange('ecs', 'DescribeServiceDeployments', good))).toEqual([])
    const bad = { serviceDeployments: [{ status: 'FAILED', lifecycleStage: 'PRE_PRODUCTION_TRAFFIC_SHIFT' }] }
    const problems = validateExchange(exchange('ecs', 'DescribeServiceDeployments', bad))
    expect(problems[0]).toContain('"FAILED" is not one of')
    expect(problems[1]).toContain('"PRE_PRODUCTION_TRAFFIC_SHIFT" is not one of')
    expect(validateExchange(exchange('ecs', 'StopServiceDeployment', { __type: 'ServiceNotFoundException', message: 'x' }, 400))[0]).toContain(
      'error ServiceNotFoundException is not one the operation declares',
    )
  })

  it("names a Description longer than Lambda's 256 characters", () => {
    expect(validateExchange(exchange('lambda', 'GetAlias', { Description: 'x'.repeat(257) }))).toEqual([
      'lambda:GetAlias (200): $.Description: 257 characters, more than 256 (shape Description)',
    ])
  })

  it('names an error the operation does not declare', () => {
    expect(validateExchange(exchange('cloudwatch', 'DescribeAlarms', { __type: 'ResourceNotFound', message: 'x' }, 400))).toEqual([
      'cloudwatch:DescribeAlarms (400): error ResourceNotFound is not one the operation declares (InvalidNextToken)',
    ])
    expect(validateExchange(exchange('cloudwatch', 'DescribeAlarms', { __type: 'Throttling', message: 'Rate exceeded' }, 400))).toEqual([])
  })
  it('reads query-protocol XML as the SDK does: a wrong type, an unknown element and a missing required member are named', () => {
    const xml = (result: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><DescribeTargetHealthResponse xmlns="x"><DescribeTargetHealthResult>${result}</DescribeTargetHealthResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeTargetHealthResponse>`
    const good =
      '<TargetHealthDescriptions><member><Target><Id>i-1</Id><Port>80</Port></Target><TargetHealth><State>healthy</State></TargetHealth></member></TargetHealthDescriptions>'
    expect(validateExchange(exchange('elbv2', 'DescribeTargetHealth', xml(good)))).toEqual([])
    const bad =
      '<TargetHealthDescriptions><member><Target><Port>eighty</Port></Target><TargetHealth><State>fine</State></TargetHealth><Extra>1</Extra></member></TargetHealthDescriptions>'
    expect(validateExchange(exchange('elbv2', 'DescribeTargetHealth', xml(bad)))).toEqual([
      'elbv2:DescribeTargetHealth (200): $.TargetHealthDescriptions[0].Target.Port: expected an integer, got null (shape Port)',
      'elbv2:DescribeTargetHealth (200): $.TargetHealthDescriptions[0].Target.Id: required by TargetDescription, missing',
      expect.stringContaining('"fine" is not one of'),
      'elbv2:DescribeTargetHealth (200): $.TargetHealthDescriptions[0].Extra: not a member of TargetHealthDescription',
    ])
    expect(
      validateExchange(
        exchange('elbv2', 'DescribeTargetHealth', '<?xml version="1.0"?><ErrorResponse><Error><Code>Bogus</Code></Error></ErrorResponse>', 400),
      )[0],
    ).toContain('error Bogus is not one the operation declares')
  })
})
