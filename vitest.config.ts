import type { TestSpecification } from 'vitest/node'
import { BaseSequencer } from 'vitest/node'
import { defineConfig } from 'vitest/config'

/**
 * Files that spend minutes waiting on real time (metric delivery, bakes) start first, so a clean CI
 * checkout, which has no cached durations for vitest to order by, does not start them last.
 */
const WAITS_ON_REAL_TIME = [/settling-emulator\.e2e/, /alb-emulator\.e2e/, /codedeploy\.e2e/, /ecs\.e2e/, /alb-moto\.e2e/]

class RealTimeFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files)
    const rank = (file: TestSpecification) => {
      const index = WAITS_ON_REAL_TIME.findIndex((pattern) => pattern.test(file.moduleId))
      return index === -1 ? WAITS_ON_REAL_TIME.length : index
    }
    return sorted
      .map((file, order) => ({ file, order }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
      .map(({ file }) => file)
  }
}

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // End-to-end files spawn moto and the emulator and spend most of their time waiting on real bakes
    // and metric delivery, so three workers keep a two-core CI machine busy without starving timing.
    maxWorkers: 3,
    sequence: { sequencer: RealTimeFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      // The tests themselves run on the machine's Node (20 here), where the AWS SDK warns that it will
      // soon need Node 22: noise about the test process, not the action (the end-to-end runner runs
      // dist/ on Node 24, where the SDK has nothing to warn about). Child processes get their own env.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
})
