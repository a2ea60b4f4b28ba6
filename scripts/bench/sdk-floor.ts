// The benchmark's baseline for start-up (section `pacing`): nothing but the AWS SDK's Lambda client
// sending one GetAlias, bundled by scripts/bundle.mjs exactly as the action is, and loaded lazily
// from the entry as the action loads its clients. The action's first request minus this one's is
// what the action's own code costs before its first AWS call.
void import('./sdk-floor-request.js').then((request) => request.getAlias())
