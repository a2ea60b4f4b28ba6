import { run } from './main.js'
import { post } from './post.js'

// dist/post.js sets this before loading the same bundle; main never does.
const step = (globalThis as { __canaryReleaseStep?: string }).__canaryReleaseStep
if (step === 'post') await post()
else await run()
