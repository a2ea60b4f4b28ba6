import { startMoto } from './moto.js'
import { seedLambda, getAlias, updateAlias, putAlarm, setAlarm, describeAlarms, publishNewVersion, lambdaClient } from './seed.js'
import { PublishVersionCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda'
const m = await startMoto()
console.log('startup', m.startupMs)
try {
  const t = Date.now()
  const s = await seedLambda(m.url, { functionName: 'fn', versions: 3, alias: 'live', aliasVersion: '1', weights: { '2': 0.1 } })
  console.log('seed ms', Date.now() - t, s.versions, s.alias)
  console.log('get', await getAlias(m.url, 'fn', 'live'))
  console.log('upd', await updateAlias(m.url, 'fn', 'live', '1', { '3': 0.5 }))
  console.log('get2', await getAlias(m.url, 'fn', 'live'))
  console.log('clear', await updateAlias(m.url, 'fn', 'live', '3', null))
  console.log('get3', await getAlias(m.url, 'fn', 'live'))
  const c = lambdaClient(m.url)
  console.log('republish no change', (await c.send(new PublishVersionCommand({ FunctionName: 'fn' }))).Version)
  console.log('new', await publishNewVersion(m.url, 'fn'))
  try { await c.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RevisionId: 'bogus' })); console.log('bogus revision accepted') } catch (e) { console.log('revision err', (e as Error).name) }
  try { await c.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '99' })); console.log('bogus version accepted') } catch (e) { console.log('version err', (e as Error).name, (e as Error).message) }
  try { await c.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })); console.log('same-version weight accepted') } catch (e) { console.log('sameversion err', (e as Error).name) }
  try { await c.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 1.5 } } })); console.log('weight>1 accepted') } catch (e) { console.log('weight err', (e as Error).name) }
  console.log('get4', await getAlias(m.url, 'fn', 'live'))
  await putAlarm(m.url, 'a1'); await putAlarm(m.url, 'a2')
  console.log('desc', (await describeAlarms(m.url, ['a1', 'nope', 'a2'])).map(a => [a.AlarmName, a.StateValue, a.StateReason]))
  await setAlarm(m.url, 'a1', 'ALARM', 'boom')
  console.log('desc2', (await describeAlarms(m.url, ['a1'])).map(a => [a.AlarmName, a.StateValue, a.StateReason, a.StateUpdatedTimestamp]))
  try { await setAlarm(m.url, 'nope', 'ALARM', 'x'); console.log('set unknown accepted') } catch (e) { console.log('set unknown err', (e as Error).name) }
  try { await getAlias(m.url, 'fn', 'nope') } catch (e) { console.log('get unknown alias err', (e as Error).name) }
} finally { await m.stop() }
