/**
 * The PAUSE hook at test traffic that a `users:` stage adds to the service's deploymentConfiguration.
 * It stays on the service after UpdateService, so every end of a rollout that is not a hold takes it
 * off again: a later deployment (another tool's, the console's) must not wait at a hook nobody continues.
 */
import { type DeploymentLifecycleHook, type ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs'
import { errorMessage } from '../core/errors.js'
import type { Log } from '../core/log.js'
import { describeService, type ServiceRef } from './api.js'

/** The lifecycle stage ECS reaches once test traffic has shifted to the new revision. */
export const TEST_STAGE = 'POST_TEST_TRAFFIC_SHIFT'

/** A PAUSE hook at test traffic: the one this action writes (and, as each run decides afresh, treats as its own). */
export const isTestPause = (hook: DeploymentLifecycleHook): boolean => hook.targetType === 'PAUSE' && (hook.lifecycleStages ?? []).includes(TEST_STAGE)

/**
 * Removes the test-traffic PAUSE hook from the service's settings, if it is there. UpdateService
 * without a task definition (or forceNewDeployment) changes only what the next deployment uses; AWS's
 * guide does not say outright that it starts none, and if it did, that deployment runs without the hook.
 * A failure is a warning: traffic is already where the rollout left it, and the next run drops the hook too.
 */
export async function removeTestHook(client: ECSClient, ref: ServiceRef, log: Log, signal?: AbortSignal): Promise<void> {
  try {
    const config = (await describeService(client, ref, signal)).deploymentConfiguration
    const hooks = config?.lifecycleHooks ?? []
    if (!config || !hooks.some(isTestPause)) return
    const deploymentConfiguration = { ...config, lifecycleHooks: hooks.filter((hook) => !isTestPause(hook)) }
    await client.send(new UpdateServiceCommand({ cluster: ref.cluster, service: ref.service, deploymentConfiguration }), signal ? { abortSignal: signal } : {})
    log.info(`Removed the test-traffic PAUSE hook from ${ref.service}'s deployment settings.`)
  } catch (error) {
    log.warning(
      `Could not remove the test-traffic PAUSE hook from ${ref.service}'s deployment settings (${errorMessage(error)}): the next deployment will wait at it until its timeout rolls back.`,
    )
  }
}
