import { run } from './main.js'
import { post } from './post.js'
import { STATE_POST } from './saved-state.js'

// One bundle serves both steps: main saves `isPost`, which the runner hands to the post step.
if (process.env[`STATE_${STATE_POST}`] === 'true') await post()
else await run()
