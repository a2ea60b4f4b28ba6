// dist/post.js sets this before loading the same bundle; main never does. Each step's code
// loads on demand, so neither pays at start-up for the other's (or for AWS clients it never uses).
// No top-level await: ncc's transpile-only build (type checks run in `npm test`) rejects it.
const step = (globalThis as { __canaryReleaseStep?: string }).__canaryReleaseStep
const action = step === 'post' ? import('./action/post.js') : import('./action/main.js')
// A rejection here is unhandled on purpose: Node then exits non-zero with the error, as before.
void action.then((loaded) => loaded.run())
