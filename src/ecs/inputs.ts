import { InputError } from '../core/errors.js'
import type { Config, InputReader } from '../core/inputs.js'
import { quote } from '../core/quote.js'
import type { ServiceRef } from './api.js'
import { EcsStageError, type EcsPlan, mapStages } from './strategy.js'

/** ECS mode's own inputs, validated (with the shared Config) before any AWS call. */
export interface EcsInputs extends ServiceRef {
  /** The new revision as given: a task definition ARN or `family:revision`; '' in rollback mode. */
  readonly taskDefinition: string
  /** The stages mapped onto ECS's strategies; undefined in rollback mode. */
  readonly plan: EcsPlan | undefined
}

const NAME = /^[A-Za-z0-9_-]{1,255}$/
const SERVICE_ARN = /^arn:aws[a-zA-Z-]*:ecs:[a-z0-9-]+:\d{12}:service\/(?:[A-Za-z0-9_-]{1,255}\/)?[A-Za-z0-9_-]{1,255}$/
const CLUSTER_ARN = /^arn:aws[a-zA-Z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/
const FAMILY_REVISION = /^[A-Za-z0-9_-]{1,255}:[1-9]\d{0,9}$/
const TASK_DEFINITION_ARN = /^arn:aws[a-zA-Z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:[1-9]\d{0,9}$/

export function readEcsInputs(config: Config, read: InputReader): EcsInputs {
  const get = (name: string): string => read(name).trim()
  const service = get('service')
  if (!NAME.test(service) && !SERVICE_ARN.test(service)) {
    throw new InputError('service', `${quote(service)} is not an ECS service name (letters, digits, - and _, at most 255) or service ARN`)
  }
  const cluster = get('cluster') || 'default'
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    throw new InputError('cluster', `${quote(cluster)} is not an ECS cluster name (letters, digits, - and _, at most 255) or cluster ARN`)
  }
  if (config.targets.length > 0) throw new InputError('function-name', 'cannot be combined with service: ECS mode moves a service, not a function')
  const taskDefinition = get('task-definition')
  if (config.mode === 'rollback') return { service, cluster, taskDefinition, plan: undefined }
  if (taskDefinition === '') throw new InputError('task-definition', 'is required with service: the new revision, as family:revision or a task definition ARN')
  if (!FAMILY_REVISION.test(taskDefinition) && !TASK_DEFINITION_ARN.test(taskDefinition)) {
    throw new InputError(
      'task-definition',
      `${quote(taskDefinition)} is neither family:revision (e.g. web:42) nor a task definition ARN; a family alone would deploy whatever revision is latest`,
    )
  }
  try {
    return { service, cluster, taskDefinition, plan: mapStages(config.stages) }
  } catch (error) {
    if (error instanceof EcsStageError) throw new InputError('stages', error.message)
    throw error
  }
}
