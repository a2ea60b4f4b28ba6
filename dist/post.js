// The post step's entry: the same bundle as main, told explicitly which step it runs.
// (Inferring "post" from saved state is unsafe: a main step killed before saving any state
// would make the post step run main again and start a rollout.)
globalThis.__canaryReleaseStep = 'post'
await import('./index.js')
