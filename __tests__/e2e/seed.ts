/**
 * Seeds moto (or any AWS-compatible endpoint) with the real AWS SDK v3 clients.
 *
 * moto quirks handled here:
 *  - CreateFunction requires the execution role to exist in moto's IAM ("The role defined for the
 *    function cannot be assumed by Lambda."), so an IAM role is created first. No IAM client is a
 *    dependency: the query-protocol call is a plain fetch with a syntactically valid but unsigned
 *    SigV4 Authorization header (moto routes by the credential scope and does not verify signatures).
 *  - PublishVersion returns the previous version unless code or configuration changed since the
 *    last publish (same as AWS), so each extra version is preceded by an UpdateFunctionConfiguration.
 *  - moto does not unzip the code, but a real (stored, uncompressed) zip is built anyway.
 */
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  GetAliasCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionConfigurationCommand,
  type AliasConfiguration,
} from '@aws-sdk/client-lambda'
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
  type MetricAlarm,
  type StateValue,
} from '@aws-sdk/client-cloudwatch'

export const REGION = 'us-east-1'
export const FAKE_CREDENTIALS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'e2e-session-token',
} as const

export const ROLE_NAME = 'e2e-lambda-exec'

export function lambdaClient(endpoint: string): LambdaClient {
  return new LambdaClient({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 2 })
}

export function cloudWatchClient(endpoint: string): CloudWatchClient {
  return new CloudWatchClient({ endpoint, region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 2 })
}

// ---------------------------------------------------------------------------------------------
// A minimal stored (method 0) zip archive, written by hand.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(buf: Uint8Array): number {
  let c = 0xffffffff
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** Builds a zip (no compression) holding the given files. */
export function makeZip(files: Record<string, string | Uint8Array>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  // 1980-01-01 00:00 in DOS format.
  const dosTime = 0
  const dosDate = (0 << 9) | (1 << 5) | 1
  for (const [name, content] of Object.entries(files)) {
    const nameBuf = Buffer.from(name, 'utf8')
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content)
    const crc = crc32(data)

    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt16LE(0x0800, 6) // flags: UTF-8 names
    local.writeUInt16LE(0, 8) // stored
    local.writeUInt16LE(dosTime, 10)
    local.writeUInt16LE(dosDate, 12)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(nameBuf.length, 26)
    local.writeUInt16LE(0, 28)
    locals.push(local, nameBuf, data)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE((3 << 8) | 20, 4) // made by: unix, 2.0
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(0, 10)
    central.writeUInt16LE(dosTime, 12)
    central.writeUInt16LE(dosDate, 14)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(nameBuf.length, 28)
    central.writeUInt16LE(0, 30) // extra
    central.writeUInt16LE(0, 32) // comment
    central.writeUInt16LE(0, 34) // disk
    central.writeUInt16LE(0, 36) // internal attrs
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38) // external attrs: regular file 0644
    central.writeUInt32LE(offset, 42)
    centrals.push(central, nameBuf)

    offset += local.length + nameBuf.length + data.length
  }
  const centralBuf = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  const count = Object.keys(files).length
  end.writeUInt16LE(count, 8)
  end.writeUInt16LE(count, 10)
  end.writeUInt32LE(centralBuf.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, centralBuf, end])
}

export const HANDLER_ZIP = makeZip({
  'index.mjs': 'export const handler = async () => ({ statusCode: 200, body: "ok" })\n',
})

// ---------------------------------------------------------------------------------------------
// IAM (query protocol) without @aws-sdk/client-iam.

function fakeSigV4Header(service: string): string {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, '')
  return (
    `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.accessKeyId}/${day}/${REGION}/${service}/aws4_request, ` +
    `SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`
  )
}

async function iamQuery(endpoint: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const res = await fetch(`${endpoint.replace(/\/$/, '')}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: fakeSigV4Header('iam'),
      'x-amz-date': new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, ''),
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }).toString(),
  })
  return { status: res.status, body: await res.text() }
}

const TRUST_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
})

/** Creates (or finds) the Lambda execution role in moto's IAM and returns its ARN. */
export async function ensureRole(endpoint: string, roleName: string = ROLE_NAME): Promise<string> {
  const created = await iamQuery(endpoint, {
    Action: 'CreateRole',
    RoleName: roleName,
    AssumeRolePolicyDocument: TRUST_POLICY,
  })
  let body = created.body
  if (created.status !== 200) {
    if (!/EntityAlreadyExists/.test(created.body)) {
      throw new Error(`IAM CreateRole failed: HTTP ${created.status}: ${created.body}`)
    }
    const got = await iamQuery(endpoint, { Action: 'GetRole', RoleName: roleName })
    if (got.status !== 200) throw new Error(`IAM GetRole failed: HTTP ${got.status}: ${got.body}`)
    body = got.body
  }
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(body)?.[1]
  if (!arn) throw new Error(`IAM response has no role ARN: ${body}`)
  return arn
}

// ---------------------------------------------------------------------------------------------
// Lambda

export interface SeedLambdaOptions {
  functionName: string
  /** How many versions to publish (1..n). Default 2. */
  versions?: number
  /** Alias to create. Omit to create none. */
  alias?: string
  /** Version the alias points at. Default "1". */
  aliasVersion?: string
  /** Optional routing weights for the alias, e.g. { '2': 0.1 }. */
  weights?: Record<string, number>
}

export interface SeededLambda {
  functionName: string
  functionArn: string
  roleArn: string
  /** Published version numbers, in order ("1", "2", ...). */
  versions: string[]
  alias?: AliasConfiguration
}

/**
 * Makes the next PublishVersion produce a new version: moto (like AWS) returns the latest version
 * unchanged when neither code nor configuration changed since the previous publish.
 */
export async function publishNewVersion(endpoint: string, functionName: string, label?: string): Promise<string> {
  const client = lambdaClient(endpoint)
  try {
    await client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Description: label ?? `e2e ${Date.now()} ${Math.random().toString(36).slice(2)}`,
      }),
    )
    const out = await client.send(new PublishVersionCommand({ FunctionName: functionName }))
    if (!out.Version) throw new Error(`PublishVersion returned no version for ${functionName}`)
    return out.Version
  } finally {
    client.destroy()
  }
}

export async function seedLambda(endpoint: string, opts: SeedLambdaOptions): Promise<SeededLambda> {
  const roleArn = await ensureRole(endpoint)
  const client = lambdaClient(endpoint)
  try {
    const created = await client.send(
      new CreateFunctionCommand({
        FunctionName: opts.functionName,
        Runtime: 'nodejs20.x',
        Role: roleArn,
        Handler: 'index.handler',
        Code: { ZipFile: HANDLER_ZIP },
        Description: 'e2e v1',
      }),
    )
    const versions: string[] = []
    const n = opts.versions ?? 2
    for (let i = 1; i <= n; i++) {
      if (i > 1) {
        await client.send(new UpdateFunctionConfigurationCommand({ FunctionName: opts.functionName, Description: `e2e v${i}` }))
      }
      const pub = await client.send(new PublishVersionCommand({ FunctionName: opts.functionName }))
      if (!pub.Version) throw new Error('PublishVersion returned no Version')
      versions.push(pub.Version)
    }
    const result: SeededLambda = {
      functionName: opts.functionName,
      functionArn: created.FunctionArn ?? '',
      roleArn,
      versions,
    }
    if (opts.alias !== undefined) {
      result.alias = await client.send(
        new CreateAliasCommand({
          FunctionName: opts.functionName,
          Name: opts.alias,
          FunctionVersion: opts.aliasVersion ?? '1',
          ...(opts.weights ? { RoutingConfig: { AdditionalVersionWeights: opts.weights } } : {}),
        }),
      )
    }
    return result
  } finally {
    client.destroy()
  }
}

export async function getAlias(endpoint: string, functionName: string, alias: string): Promise<AliasConfiguration> {
  const client = lambdaClient(endpoint)
  try {
    const { $metadata: _m, ...cfg } = await client.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }))
    return cfg
  } finally {
    client.destroy()
  }
}

/** Points an alias somewhere (null weights clears the routing config). */
export async function updateAlias(
  endpoint: string,
  functionName: string,
  alias: string,
  version: string,
  weights: Record<string, number> | null,
): Promise<AliasConfiguration> {
  const client = lambdaClient(endpoint)
  try {
    const { $metadata: _m, ...cfg } = await client.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: alias,
        FunctionVersion: version,
        RoutingConfig: { AdditionalVersionWeights: weights ?? {} },
      }),
    )
    return cfg
  } finally {
    client.destroy()
  }
}

// ---------------------------------------------------------------------------------------------
// CloudWatch

export interface PutAlarmOptions {
  /** Lambda function the alarm watches (dimension FunctionName). Default "e2e". */
  functionName?: string
  metricName?: string
  threshold?: number
}

export async function putAlarm(endpoint: string, name: string, opts: PutAlarmOptions = {}): Promise<void> {
  const client = cloudWatchClient(endpoint)
  try {
    await client.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        Namespace: 'AWS/Lambda',
        MetricName: opts.metricName ?? 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: opts.functionName ?? 'e2e' }],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: opts.threshold ?? 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      }),
    )
  } finally {
    client.destroy()
  }
}

export async function setAlarm(endpoint: string, name: string, state: StateValue, reason: string): Promise<void> {
  const client = cloudWatchClient(endpoint)
  try {
    await client.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }))
  } finally {
    client.destroy()
  }
}

export async function describeAlarms(endpoint: string, names: string[]): Promise<MetricAlarm[]> {
  const client = cloudWatchClient(endpoint)
  try {
    const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: names }))
    return out.MetricAlarms ?? []
  } finally {
    client.destroy()
  }
}

// Composite alarms: moto 5.2.1 cannot hold them. PutCompositeAlarm is unimplemented (HTTP 500), and
// its internal trick (PutMetricAlarm + AlarmRule) is unreachable because request parsing follows the
// botocore model, which drops AlarmRule. Composite-alarm scenarios need the emulator, not moto.
