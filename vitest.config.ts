import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // End-to-end files spawn moto and the emulator; two workers match the CI machine's two cores.
    maxWorkers: 2,
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
