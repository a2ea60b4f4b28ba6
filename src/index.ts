// dist/post.js sets this before loading the same bundle; main never does. Each step's code
// loads on demand, so neither pays at start-up for the other's (or for AWS clients it never uses).
const step = (globalThis as { __canaryReleaseStep?: string }).__canaryReleaseStep
if (step === 'post') await (await import('./action/post.js')).run()
else await (await import('./action/main.js')).run()
