import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // End-to-end files spawn moto and the emulator and spend most of their time waiting on real bakes
    // and metric delivery, so three workers keep a two-core CI machine busy without starving timing.
    maxWorkers: 3,
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
