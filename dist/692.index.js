export const id = 692;
export const ids = [692];
export const modules = {

/***/ 7442:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   C: () => (/* binding */ deploymentLink),
/* harmony export */   i: () => (/* binding */ codeDeployClient)
/* harmony export */ });
/* harmony import */ var _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(7507);
/* harmony import */ var _aws_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(4258);


/** The same budgets as src/aws.ts: polls retry little; the stop/rollback client has its own, larger budget and short timeouts. */
const PROFILES = {
    poll: { maxAttempts: 3, requestTimeout: 5_000 },
    write: { maxAttempts: 5, requestTimeout: 10_000 },
    rollback: { maxAttempts: 8, requestTimeout: 2_000 },
};
/** A CodeDeploy client. Use a separate `rollback` client for StopDeployment, so throttled polls cannot spend its retries. */
function codeDeployClient(region, purpose) {
    const profile = PROFILES[purpose];
    return new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_1__/* .CodeDeployClient */ .cHd({
        region,
        customUserAgent: _aws_js__WEBPACK_IMPORTED_MODULE_0__/* .USER_AGENT */ ._O,
        retryMode: 'standard',
        maxAttempts: profile.maxAttempts,
        requestHandler: { connectionTimeout: 2_000, requestTimeout: profile.requestTimeout },
    });
}
/** The console page of one deployment. */
function deploymentLink(region, deploymentId) {
    return `https://${region}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(deploymentId)}?region=${region}`;
}


/***/ }),

/***/ 6692:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  codeDeployMain: () => (/* binding */ codeDeployMain)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 18 modules
var core = __webpack_require__(6257);
// EXTERNAL MODULE: ./src/aws.ts
var aws = __webpack_require__(4258);
// EXTERNAL MODULE: ./src/clock.ts + 1 modules
var clock = __webpack_require__(529);
// EXTERNAL MODULE: ./src/core-log.ts
var core_log = __webpack_require__(5523);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/gates/alarms.ts
var alarms = __webpack_require__(8972);
// EXTERNAL MODULE: ./src/github/reporter.ts
var github_reporter = __webpack_require__(6838);
// EXTERNAL MODULE: ./src/saved-state.ts
var saved_state = __webpack_require__(7232);
// EXTERNAL MODULE: ./src/codedeploy/clients.ts
var clients = __webpack_require__(7442);
// EXTERNAL MODULE: ./src/inputs.ts
var inputs = __webpack_require__(8422);
// EXTERNAL MODULE: ./src/quote.ts
var quote = __webpack_require__(4519);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/codedeploy/appspec.ts





/** The AppSpec for a Lambda deployment: one function, its alias, the live and the new version, optional hooks. */
function lambdaAppSpec(input) {
    const hooks = [
        ...(input.beforeAllowTraffic ? [{ BeforeAllowTraffic: input.beforeAllowTraffic }] : []),
        ...(input.afterAllowTraffic ? [{ AfterAllowTraffic: input.afterAllowTraffic }] : []),
    ];
    const doc = {
        version: 0.0,
        Resources: [
            {
                TargetFunction: {
                    Type: 'AWS::Lambda::Function',
                    Properties: {
                        Name: input.functionName,
                        Alias: input.alias,
                        CurrentVersion: input.currentVersion,
                        TargetVersion: input.targetVersion,
                    },
                },
            },
        ],
        ...(hooks.length > 0 ? { Hooks: hooks } : {}),
    };
    // `version: 0.0` must stay a float in YAML; the versions are strings ("2", quoted by the serializer).
    return (0,dist/* stringify */.As)(doc).replace(/^version: 0$/m, 'version: 0.0');
}
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Reads and checks an ECS AppSpec (YAML or JSON) at `path`, relative to the workspace. */
function readEcsAppSpec(path, workspace) {
    const full = (0,external_node_path_.isAbsolute)(path) ? path : (0,external_node_path_.resolve)(workspace, path);
    let content;
    try {
        content = (0,external_node_fs_.readFileSync)(full, 'utf8');
    }
    catch (error) {
        const code = error.code;
        throw new errors/* InputError */.dz('appspec', `cannot read ${(0,quote/* quote */.h)(path)}${code ? ` (${code})` : ''}`);
    }
    return parseEcsAppSpec(content, path);
}
function parseEcsAppSpec(content, path) {
    const fail = (why) => new errors/* InputError */.dz('appspec', `${(0,quote/* quote */.h)(path)}: ${why}`);
    let doc;
    try {
        doc = (0,dist/* parse */.qg)(content);
    }
    catch (error) {
        throw fail(`not valid YAML or JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    }
    if (!isObject(doc))
        throw fail('must be a YAML or JSON object');
    const resources = doc['Resources'];
    const entries = Array.isArray(resources)
        ? resources.flatMap((r) => (isObject(r) ? Object.entries(r) : []))
        : isObject(resources)
            ? Object.entries(resources)
            : [];
    if (entries.length !== 1)
        throw fail(`must declare exactly one resource under Resources (found ${entries.length})`);
    const [name, resource] = entries[0];
    if (!isObject(resource) || resource['Type'] !== 'AWS::ECS::Service')
        throw fail(`resource ${(0,quote/* quote */.h)(name)} must have Type AWS::ECS::Service`);
    const props = isObject(resource['Properties']) ? resource['Properties'] : {};
    const taskDefinition = props['TaskDefinition'];
    if (typeof taskDefinition !== 'string' || taskDefinition === '')
        throw fail('Properties.TaskDefinition (the task definition ARN) is missing');
    const lb = isObject(props['LoadBalancerInfo']) ? props['LoadBalancerInfo'] : {};
    const containerName = lb['ContainerName'];
    const containerPort = Number(lb['ContainerPort']);
    if (typeof containerName !== 'string' || containerName === '')
        throw fail('Properties.LoadBalancerInfo.ContainerName is missing');
    if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
        throw fail('Properties.LoadBalancerInfo.ContainerPort must be a port number');
    }
    return { content, path, taskDefinition, containerName, containerPort };
}
/** The TaskDefinition named by an AppSpec's text, if it has one (for reporting the previous revision). */
function taskDefinitionOf(content) {
    if (!content)
        return undefined;
    try {
        return parseEcsAppSpec(content, '').taskDefinition;
    }
    catch {
        return undefined;
    }
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-codedeploy/dist-cjs/index.js
var dist_cjs = __webpack_require__(7507);
// EXTERNAL MODULE: ./src/stages.ts
var src_stages = __webpack_require__(4628);
;// CONCATENATED MODULE: ./src/codedeploy/deployment-config.ts




/** Prefix of the configs this action creates; never collides with CodeDeployDefault.*. */
const CUSTOM_PREFIX = 'canary-release';
const minutes = (n) => `${n}Minute${n === 1 ? '' : 's'}`;
/** The predefined traffic-shifting configs per platform, by name (CodeDeploy's own spelling). */
const PRESETS = {
    Lambda: [
        { name: 'CodeDeployDefault.LambdaAllAtOnce', routing: { type: 'AllAtOnce' } },
        ...[5, 10, 15, 30].map((i) => ({ name: `CodeDeployDefault.LambdaCanary10Percent${i}Minutes`, routing: canary(10, i) })),
        ...[1, 2, 3, 10].map((i) => ({ name: `CodeDeployDefault.LambdaLinear10PercentEvery${minutes(i)}`, routing: linear(10, i) })),
    ],
    ECS: [
        { name: 'CodeDeployDefault.ECSAllAtOnce', routing: { type: 'AllAtOnce' } },
        ...[5, 15].map((i) => ({ name: `CodeDeployDefault.ECSCanary10Percent${i}Minutes`, routing: canary(10, i) })),
        // ECS spells these "Every1Minutes" and "Every3Minutes".
        ...[1, 3].map((i) => ({ name: `CodeDeployDefault.ECSLinear10PercentEvery${i}Minutes`, routing: linear(10, i) })),
    ],
};
function canary(percent, interval) {
    return { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: percent, canaryInterval: interval } };
}
function linear(percent, interval) {
    return { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: percent, linearInterval: interval } };
}
function sameRouting(a, b) {
    if (!a || !b || a.type !== b.type)
        return false;
    if (b.type === 'TimeBasedCanary') {
        const c = a.timeBasedCanary;
        return c?.canaryPercentage === b.timeBasedCanary.canaryPercentage && c?.canaryInterval === b.timeBasedCanary.canaryInterval;
    }
    if (b.type === 'TimeBasedLinear') {
        const l = a.timeBasedLinear;
        return l?.linearPercentage === b.timeBasedLinear.linearPercentage && l?.linearInterval === b.timeBasedLinear.linearInterval;
    }
    return true;
}
function describeRouting(routing) {
    switch (routing?.type) {
        case 'TimeBasedCanary': {
            const c = routing.timeBasedCanary;
            return `${c?.canaryPercentage ?? '?'}% for ${c?.canaryInterval ?? '?'} min, then 100%`;
        }
        case 'TimeBasedLinear': {
            const l = routing.timeBasedLinear;
            return `+${l?.linearPercentage ?? '?'}% every ${l?.linearInterval ?? '?'} min up to 100%`;
        }
        case 'AllAtOnce':
            return 'all at once';
        default:
            return 'per the config';
    }
}
function inexpressible(stages, why) {
    return new errors/* InputError */.dz('stages', `${(0,quote/* quote */.h)((0,src_stages/* describeStages */.JN)(stages))} cannot be expressed as a CodeDeploy deployment config: ${why}. ` +
        'CodeDeploy can do one canary step then 100% (e.g. "10%:5m, 100%"), or equal linear steps (e.g. "25%:2m, 50%:2m, 75%:2m, 100%"), ' +
        'in whole percentages and whole minutes. For any other schedule, or to hold below 100%, use alias mode (leave codedeploy-application empty).');
}
const wholeMinutes = (ms) => (ms > 0 && ms % 60_000 === 0 ? ms / 60_000 : undefined);
/** The traffic routing that runs `stages`, or an InputError (raised before any AWS call) when CodeDeploy cannot express them. */
function routingForStages(stages) {
    const last = stages.at(-1);
    if (!last)
        throw inexpressible(stages, 'no stages');
    if (last.weight < 100) {
        throw inexpressible(stages, `it ends at ${last.weight}%, and CodeDeploy cannot hold a traffic shift part-way (it always ends at 100%)`);
    }
    if (last.bakeMs > 0)
        throw inexpressible(stages, 'CodeDeploy ends the deployment when traffic reaches 100%, so the last stage cannot bake');
    if (stages.length === 1)
        return { type: 'AllAtOnce' };
    const first = stages[0];
    if (!Number.isInteger(first.weight))
        throw inexpressible(stages, `${first.weight}% is not a whole percentage`);
    const interval = wholeMinutes(first.bakeMs);
    if (interval === undefined)
        throw inexpressible(stages, 'bake times must be whole minutes (at least 1m)');
    if (stages.length === 2)
        return canary(first.weight, interval);
    const p = first.weight;
    const steps = stages.slice(0, -1);
    steps.forEach((stage, k) => {
        if (stage.weight !== (k + 1) * p) {
            throw inexpressible(stages, `a linear config moves in equal steps of ${p}%, so stage ${k + 1} would be ${(k + 1) * p}%, not ${stage.weight}%`);
        }
        if (stage.bakeMs !== first.bakeMs)
            throw inexpressible(stages, 'a linear config bakes every step for the same time');
    });
    if (Math.ceil(100 / p) !== stages.length) {
        throw inexpressible(stages, `steps of ${p}% reach 100% after ${Math.ceil(100 / p)} stages, not ${stages.length}`);
    }
    return linear(p, interval);
}
/** Maps the `stages` input onto a deployment config for `platform`. Pure; throws InputError before any AWS call. */
function chooseConfig(platform, stages, stagesGiven) {
    if (!stagesGiven)
        return { kind: 'group' };
    if (platform === 'Server') {
        throw new errors/* InputError */.dz('stages', 'does not apply to EC2/on-premises deployments: the deployment groups (one per line in codedeploy-deployment-group) are the stages, each with its own deployment config. Leave stages empty.');
    }
    const routing = routingForStages(stages);
    const preset = PRESETS[platform].find((p) => sameRouting(p.routing, routing));
    if (preset)
        return { kind: 'preset', name: preset.name, routing };
    return { kind: 'custom', name: customName(platform, routing), routing };
}
function customName(platform, routing) {
    switch (routing.type) {
        case 'TimeBasedCanary':
            return `${CUSTOM_PREFIX}.${platform}.Canary${routing.timeBasedCanary.canaryPercentage}Percent${minutes(routing.timeBasedCanary.canaryInterval)}`;
        case 'TimeBasedLinear':
            return `${CUSTOM_PREFIX}.${platform}.Linear${routing.timeBasedLinear.linearPercentage}PercentEvery${minutes(routing.timeBasedLinear.linearInterval)}`;
        case 'AllAtOnce':
            return `${CUSTOM_PREFIX}.${platform}.AllAtOnce`;
    }
}
/**
 * Makes sure the chosen config exists and returns the name to pass to CreateDeployment (undefined: the group's own).
 * A custom config is created once and reused afterwards, after checking that the existing one shifts traffic the same way.
 */
async function ensureConfig(client, platform, choice, log) {
    if (choice.kind === 'group')
        return undefined;
    if (choice.kind === 'preset')
        return choice.name;
    try {
        await client.send(new dist_cjs/* CreateDeploymentConfigCommand */.JKx({
            deploymentConfigName: choice.name,
            computePlatform: platform,
            trafficRoutingConfig: choice.routing,
        }));
        log(`Created deployment config ${choice.name} (${describeRouting(choice.routing)}).`);
        return choice.name;
    }
    catch (error) {
        if (!(error instanceof Error) || error.name !== 'DeploymentConfigAlreadyExistsException')
            throw error;
    }
    const { deploymentConfigInfo: existing } = await client.send(new dist_cjs/* GetDeploymentConfigCommand */.z2K({ deploymentConfigName: choice.name }));
    if (existing?.computePlatform !== platform || !sameRouting(existing.trafficRoutingConfig, choice.routing)) {
        throw new Error(`deployment config ${choice.name} already exists but shifts traffic ${describeRouting(existing?.trafficRoutingConfig)} on ${existing?.computePlatform ?? '?'}, ` +
            `not ${describeRouting(choice.routing)} on ${platform}; delete it or rename yours`);
    }
    log(`Reusing deployment config ${choice.name} (${describeRouting(choice.routing)}).`);
    return choice.name;
}

;// CONCATENATED MODULE: ./src/codedeploy/revision.ts


const BUNDLE_TYPES = ['zip', 'tar', 'tgz'];
const S3 = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;
const GITHUB = /^([A-Za-z0-9-]+\/[A-Za-z0-9._-]+)@([0-9a-f]{40})$/;
/** The `revision` input for EC2/on-prem: `s3://bucket/key` (with bundle-type) or `OWNER/REPO@COMMIT`. */
function parseServerRevision(value, bundleType) {
    const s3 = S3.exec(value);
    if (s3) {
        if (!BUNDLE_TYPES.includes(bundleType)) {
            throw new errors/* InputError */.dz('bundle-type', `${(0,quote/* quote */.h)(bundleType)} is not one of ${BUNDLE_TYPES.join(', ')}`);
        }
        return { revisionType: 'S3', s3Location: { bucket: s3[1], key: s3[2], bundleType: bundleType } };
    }
    const gh = GITHUB.exec(value);
    if (gh)
        return { revisionType: 'GitHub', gitHubLocation: { repository: gh[1], commitId: gh[2] } };
    if (value === '')
        throw new errors/* InputError */.dz('revision', 'is required for EC2/on-premises deployments (s3://bucket/key or OWNER/REPO@COMMIT)');
    throw new errors/* InputError */.dz('revision', `${(0,quote/* quote */.h)(value)} is neither s3://bucket/key nor OWNER/REPO@COMMIT (a full 40-character commit SHA)`);
}
/** A revision in words: s3://bucket/key, OWNER/REPO@COMMIT, or the AppSpec's sha. */
function describeRevision(revision) {
    if (!revision)
        return undefined;
    if (revision.s3Location?.bucket) {
        const { bucket, key, version } = revision.s3Location;
        return `s3://${bucket}/${key ?? ''}${version ? `?versionId=${version}` : ''}`;
    }
    if (revision.gitHubLocation?.repository)
        return `${revision.gitHubLocation.repository}@${revision.gitHubLocation.commitId ?? ''}`;
    return undefined;
}

;// CONCATENATED MODULE: ./src/codedeploy/inputs.ts







/** CodeDeploy caps deployment descriptions. */
const DESCRIPTION_MAX = 100;
const NAME = /^[A-Za-z0-9_.+@=,-]{1,100}$/;
const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/i;
function inputs_name(input, value, what) {
    if (!NAME.test(value))
        throw new errors/* InputError */.dz(input, `${(0,quote/* quote */.h)(value)} is not a CodeDeploy ${what} name (1 to 100 letters, digits and _.+@=,-)`);
    return value;
}
function hook(read, input) {
    const value = read(input);
    if (value === '')
        return undefined;
    try {
        return (0,inputs/* parseFunctionName */.RJ)(value);
    }
    catch (error) {
        if (error instanceof errors/* InputError */.dz)
            throw new errors/* InputError */.dz(input, error.message.replace(/^Input function-name: /, ''));
        throw error;
    }
}
function deploymentDescription(sha, url) {
    const head = `canary-release ${sha}`.trim();
    const full = url ? `${head} ${url}` : head;
    if (full.length <= DESCRIPTION_MAX)
        return full;
    // The SHA must survive (re-runs find their deployment by it); the run URL is dropped first.
    const runId = /\/runs\/(\d+)/.exec(url)?.[1];
    const short = runId ? `${head} run ${runId}` : head;
    return short.slice(0, DESCRIPTION_MAX);
}
function readCodeDeployInputs(config, read, env = process.env) {
    const get = (input) => read(input).trim();
    const application = inputs_name('codedeploy-application', get('codedeploy-application'), 'application');
    const groups = get('codedeploy-deployment-group')
        .split('\n')
        .map((g) => g.trim())
        .filter((g) => g !== '')
        .map((g) => inputs_name('codedeploy-deployment-group', g, 'deployment group'));
    if (groups.length === 0)
        throw new errors/* InputError */.dz('codedeploy-deployment-group', 'is required with codedeploy-application');
    const dup = groups.find((g, i) => groups.indexOf(g) !== i);
    if (dup !== undefined)
        throw new errors/* InputError */.dz('codedeploy-deployment-group', `lists ${(0,quote/* quote */.h)(dup)} twice`);
    const appspecPath = get('appspec');
    const revisionText = get('revision');
    const hasFunction = config.targets.length > 0;
    const given = [hasFunction && 'function-name', appspecPath && 'appspec', revisionText && 'revision'].filter((x) => Boolean(x));
    if (given.length > 1) {
        throw new errors/* InputError */.dz(given[1], `cannot be combined with ${given[0]}: function-name is for Lambda, appspec for ECS, revision for EC2/on-premises`);
    }
    const platform = hasFunction ? 'Lambda' : appspecPath ? 'ECS' : revisionText ? 'Server' : undefined;
    if (platform === undefined && config.mode !== 'rollback') {
        throw new errors/* InputError */.dz('function-name', 'CodeDeploy mode needs function-name and version (Lambda), appspec (ECS) or revision (EC2/on-premises) to know what to deploy');
    }
    if (platform !== 'Server' && groups.length > 1 && config.mode !== 'rollback') {
        throw new errors/* InputError */.dz('codedeploy-deployment-group', `lists ${groups.length} groups; only EC2/on-premises deployments (revision) go through several`);
    }
    const beforeAllowTraffic = hook(get, 'before-allow-traffic-hook');
    const afterAllowTraffic = hook(get, 'after-allow-traffic-hook');
    if (platform !== 'Lambda' && (beforeAllowTraffic || afterAllowTraffic)) {
        throw new errors/* InputError */.dz(beforeAllowTraffic ? 'before-allow-traffic-hook' : 'after-allow-traffic-hook', 'only applies to Lambda deployments (function-name)');
    }
    let lambda;
    if (platform === 'Lambda') {
        if (config.targets.length !== 1) {
            throw new errors/* InputError */.dz('function-name', `lists ${config.targets.length} functions; a CodeDeploy Lambda deployment moves exactly one`);
        }
        const target = config.targets[0];
        if (!target)
            throw new errors/* InputError */.dz('function-name', 'is required');
        if (target.version === undefined && config.mode !== 'rollback')
            throw new errors/* InputError */.dz('version', 'is required to deploy');
        lambda = {
            functionName: target.functionName,
            alias: target.alias,
            version: target.version ?? '',
            ...(beforeAllowTraffic ? { beforeAllowTraffic } : {}),
            ...(afterAllowTraffic ? { afterAllowTraffic } : {}),
        };
    }
    const workspace = env['GITHUB_WORKSPACE'] || process.cwd();
    const ecs = platform === 'ECS' && config.mode !== 'rollback' ? readEcsAppSpec(appspecPath, workspace) : undefined;
    const revision = platform === 'Server' ? parseServerRevision(revisionText, get('bundle-type') || 'zip') : undefined;
    const configChoice = platform === undefined || config.mode === 'rollback' ? { kind: 'group' } : chooseConfig(platform, config.stages, config.stagesGiven);
    const shaRaw = (env['GITHUB_SHA'] ?? '').trim();
    const sha = SHA.test(shaRaw) ? shaRaw.toLowerCase() : '';
    const url = (0,github_reporter/* runUrl */.Vp)(env);
    return {
        application,
        groups,
        platform,
        lambda,
        ecs,
        revision,
        configChoice,
        sha,
        runUrl: url,
        description: deploymentDescription(sha, url),
    };
}

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-lambda/dist-cjs/index.js
var client_lambda_dist_cjs = __webpack_require__(1696);
// EXTERNAL MODULE: ./src/gate.ts
var src_gate = __webpack_require__(1956);
;// CONCATENATED MODULE: ./src/codedeploy/active.ts

const ACTIVE_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'];
/** The group's active deployments (CodeDeploy allows one at a time), newest first. */
async function activeDeployments(client, application, group, statuses = ACTIVE_STATUSES) {
    const { deployments } = await client.send(new dist_cjs/* ListDeploymentsCommand */.sr8({ applicationName: application, deploymentGroupName: group, includeOnlyStatuses: statuses }));
    const ids = (deployments ?? []).slice(0, 25);
    if (ids.length === 0)
        return [];
    const { deploymentsInfo } = await client.send(new dist_cjs/* BatchGetDeploymentsCommand */.ARk({ deploymentIds: ids }));
    const order = new Map(ids.map((id, i) => [id, i]));
    return [...(deploymentsInfo ?? [])].sort((a, b) => (order.get(a.deploymentId ?? '') ?? 0) - (order.get(b.deploymentId ?? '') ?? 0));
}
/** A deployment this commit's workflow created: its description carries the commit SHA (see deploymentDescription). */
function isThisCommits(info, sha) {
    return sha !== '' && info.creator === 'user' && (info.description ?? '').toLowerCase().includes(sha.toLowerCase());
}
/** The active deployment named by a DeploymentLimitExceededException's message. */
function limitExceededId(error) {
    if (!(error instanceof Error) || error.name !== 'DeploymentLimitExceededException')
        return undefined;
    return /\b(d-[A-Z0-9]{9})\b/.exec(error.message)?.[1] ?? '';
}
function describeActive(info) {
    const who = info.creator === 'codeDeployRollback' ? 'a rollback' : info.creator === 'user' ? 'a deployment' : `a ${info.creator ?? ''} deployment`;
    const description = info.description ? `, ${JSON.stringify(info.description)}` : '';
    return `${who} ${info.deploymentId ?? '?'} (${info.status ?? '?'}${description})`;
}

;// CONCATENATED MODULE: ./src/codedeploy/outcome.ts
function isFailure(outcome) {
    return outcome.result !== 'promoted' && outcome.result !== 'held';
}
function emptyOutcome(result, reason, extra = {}) {
    return {
        result,
        weight: undefined,
        stableVersion: undefined,
        targetVersion: undefined,
        alarm: undefined,
        alarmName: undefined,
        reason,
        errorCode: undefined,
        deployments: [],
        rows: [],
        callsPerPoll: undefined,
        stopLatencyMs: undefined,
        settled: true,
        configName: undefined,
        platform: undefined,
        ...extra,
    };
}

// EXTERNAL MODULE: ./src/codedeploy/watcher.ts
var codedeploy_watcher = __webpack_require__(834);
;// CONCATENATED MODULE: ./src/codedeploy/conclude.ts

/** The alarms CodeDeploy names in an ALARM_ACTIVE message: "... Activated alarms: <a, b>". */
function alarmsFromMessage(message) {
    const list = /Activated alarms: <([^>]*)>/.exec(message ?? '')?.[1];
    return list ? list.split(',').map((a) => a.trim()).filter((a) => a !== '') : [];
}
function codeDeployError(info) {
    const code = info?.errorInformation?.code;
    const message = info?.errorInformation?.message;
    const text = code || message ? `${code ?? 'UNKNOWN'}: ${message ?? ''}`.trim() : 'no error information';
    return { code, text };
}
function afterRollback(follow, weightBefore) {
    const status = follow.rollback?.status;
    if (follow.rollbackId && status === 'Succeeded') {
        return { result: 'rolled-back', weight: 0, rollbackId: follow.rollbackId, rollbackStatus: status, note: `rollback ${follow.rollbackId} succeeded` };
    }
    if (follow.rollbackId) {
        const err = codeDeployError(follow.rollback);
        return { result: 'failed', weight: weightBefore, rollbackId: follow.rollbackId, rollbackStatus: status, note: `rollback ${follow.rollbackId} ended ${status ?? '?'} (${err.text})` };
    }
    return { result: 'failed', weight: weightBefore, rollbackId: undefined, rollbackStatus: undefined, note: 'no rollback deployment was created' };
}
/**
 * Turns the end of a watch into a result: success, a hold, CodeDeploy's own failure (its rollback
 * followed), or, on an alarm, an unreadable gate or a cancel, StopDeployment with rollback, followed.
 * Never reports success after a rollback.
 */
async function conclude(deps, deploymentId, end, weight) {
    const base = { errorCode: undefined, alarm: undefined, alarmName: undefined, rollbackId: undefined, rollbackStatus: undefined, stopLatencyMs: undefined };
    switch (end.kind) {
        case 'succeeded':
            return { ...base, result: 'promoted', weight: 100, reason: undefined, finalStatus: 'Succeeded' };
        case 'ready':
            return {
                ...base,
                result: 'held',
                weight: weight ?? 0,
                reason: `deployment ${deploymentId} is Ready: the replacement task set waits for a later run to continue it`,
                finalStatus: 'Ready',
            };
        case 'ended': {
            const err = codeDeployError(end.info);
            const alarms = alarmsFromMessage(end.info.errorInformation?.message);
            const expectRollback = end.info.rollbackInfo?.rollbackDeploymentId !== undefined || end.info.autoRollbackConfiguration?.enabled === true;
            const follow = expectRollback ? await (0,codedeploy_watcher/* followRollback */.u8)(deps, deploymentId) : { original: end.info, rollbackId: undefined, rollback: undefined };
            const after = afterRollback(follow, weight);
            return {
                ...base,
                result: after.result,
                weight: after.weight,
                errorCode: err.code,
                alarmName: alarms[0],
                rollbackId: after.rollbackId,
                rollbackStatus: after.rollbackStatus,
                reason: `CodeDeploy ended deployment ${deploymentId} as ${end.info.status ?? '?'}: ${err.text}; ${after.note}`,
                finalStatus: end.info.status,
            };
        }
        case 'alarm':
        case 'unreadable':
        case 'cancelled': {
            const follow = await (0,codedeploy_watcher/* stopAndFollow */.zG)(deps, deploymentId, end.reason);
            const latency = follow.stopSentAt === undefined ? undefined : Math.max(0, follow.stopSentAt - end.detectedAt);
            if (latency !== undefined)
                deps.log.info(`StopDeployment went out ${latency} ms after the ${end.kind === 'cancelled' ? 'cancel' : 'poll that saw it'}.`);
            if (follow.original?.status === 'Succeeded') {
                return {
                    ...base,
                    result: 'failed',
                    weight: 100,
                    reason: `${end.reason}; but deployment ${deploymentId} had already succeeded and could not be stopped (all traffic is on the new version)`,
                    alarm: end.kind === 'alarm' ? end.alarm : undefined,
                    alarmName: end.kind === 'alarm' ? end.alarm.name : undefined,
                    stopLatencyMs: latency,
                    finalStatus: 'Succeeded',
                };
            }
            const after = afterRollback(follow, weight);
            return {
                ...base,
                result: after.result,
                weight: after.weight,
                alarm: end.kind === 'alarm' ? end.alarm : undefined,
                alarmName: end.kind === 'alarm' ? end.alarm.name : undefined,
                rollbackId: after.rollbackId,
                rollbackStatus: after.rollbackStatus,
                stopLatencyMs: latency,
                reason: `${end.reason}; stopped deployment ${deploymentId}, ${after.note}`,
                finalStatus: follow.original?.status,
            };
        }
    }
}

;// CONCATENATED MODULE: ./src/codedeploy/release.ts












class Refusal extends Error {
    name = 'Refusal';
}
/** GetDeploymentGroup, checked against what the inputs describe. */
async function readGroup(client, application, group, platform) {
    let info;
    try {
        info = (await client.send(new dist_cjs/* GetDeploymentGroupCommand */.WOp({ applicationName: application, deploymentGroupName: group }))).deploymentGroupInfo;
    }
    catch (error) {
        throw new Refusal(`cannot read deployment group ${JSON.stringify(group)} of application ${JSON.stringify(application)}: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    if (!info)
        throw new Refusal(`deployment group ${JSON.stringify(group)} was not returned`);
    if (platform !== undefined && info.computePlatform !== undefined && info.computePlatform !== platform) {
        const expects = { Lambda: 'function-name and version', ECS: 'appspec', Server: 'revision' }[info.computePlatform] ?? '?';
        throw new Refusal(`deployment group ${JSON.stringify(group)} is for the ${info.computePlatform} compute platform, but the inputs describe a ${platform} deployment; it needs ${expects}`);
    }
    return info;
}
/** Warns when CodeDeploy's own failure would leave traffic where it stopped. */
function warnAboutRollbackConfig(group, warn) {
    const rb = group.autoRollbackConfiguration;
    if (!rb?.enabled || !(rb.events ?? []).includes('DEPLOYMENT_FAILURE')) {
        warn(`Deployment group ${group.deploymentGroupName ?? ''} does not roll back automatically on DEPLOYMENT_FAILURE: if CodeDeploy fails the deployment, traffic stays where it stopped. ` +
            '(A stop by this action always asks for a rollback.)');
    }
}
/** Gate check before the first write: every alarm must exist, none may fire. */
async function checkGateBeforeStart(gate, signal) {
    const reading = await gate.check(signal);
    if (reading.missing.length > 0)
        throw new Refusal(`alarm not found: ${reading.missing.map((n) => JSON.stringify(n)).join(', ')}`);
    if (reading.status !== 'pass')
        throw new Refusal((0,src_gate/* describeReading */.Y)(reading));
}
/** Lambda: reads the alias (CurrentVersion must match it, or CodeDeploy fails with INVALID_LAMBDA_CONFIGURATION). */
async function lambdaVersions(deps, inputs) {
    const lambda = inputs.lambda;
    if (!lambda || !deps.lambda)
        throw new Error('internal: no Lambda inputs');
    let alias;
    try {
        alias = await deps.lambda.send(new client_lambda_dist_cjs/* GetAliasCommand */.MES({ FunctionName: lambda.functionName, Name: lambda.alias }));
    }
    catch (error) {
        throw new Refusal(`cannot read alias ${lambda.functionName}:${lambda.alias}: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    const current = alias.FunctionVersion ?? '';
    const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
    if (weights.length > 0) {
        const routes = weights.map(([v, w]) => `${Math.round(w * 100000) / 1000}% to version ${v}`).join(', ');
        throw new Refusal(`alias ${lambda.functionName}:${lambda.alias} already routes ${routes} outside any active CodeDeploy deployment; ` +
            'CodeDeploy cannot start from a weighted alias. Clear its routing first (alias mode with mode: rollback).');
    }
    return { current, promoted: current === lambda.version };
}
function revisionFor(inputs, currentVersion) {
    if (inputs.lambda) {
        return {
            revisionType: 'AppSpecContent',
            appSpecContent: {
                content: lambdaAppSpec({
                    functionName: inputs.lambda.functionName,
                    alias: inputs.lambda.alias,
                    currentVersion: currentVersion ?? '',
                    targetVersion: inputs.lambda.version,
                    ...(inputs.lambda.beforeAllowTraffic ? { beforeAllowTraffic: inputs.lambda.beforeAllowTraffic } : {}),
                    ...(inputs.lambda.afterAllowTraffic ? { afterAllowTraffic: inputs.lambda.afterAllowTraffic } : {}),
                }),
            },
        };
    }
    if (inputs.ecs)
        return { revisionType: 'AppSpecContent', appSpecContent: { content: inputs.ecs.content } };
    if (inputs.revision)
        return inputs.revision;
    throw new Error('internal: nothing to deploy');
}
/** CreateDeployment; a DeploymentLimitExceededException becomes a refusal naming the active deployment. */
async function createDeployment(deps, inputs, group, revision, configName) {
    try {
        const { deploymentId } = await deps.writeClient.send(new dist_cjs/* CreateDeploymentCommand */.ttP({
            applicationName: inputs.application,
            deploymentGroupName: group,
            revision,
            description: inputs.description,
            ...(configName ? { deploymentConfigName: configName } : {}),
        }));
        if (!deploymentId)
            throw new Error('CreateDeployment returned no deploymentId');
        return deploymentId;
    }
    catch (error) {
        const active = limitExceededId(error);
        if (active === undefined)
            throw error;
        let id = active;
        if (id === '')
            id = (await activeDeployments(deps.client, inputs.application, group))[0]?.deploymentId ?? 'unknown';
        throw new Refusal(`deployment group ${JSON.stringify(group)} already has an active deployment ${id}; wait for it to end, or stop it with mode: rollback`);
    }
}
/** One deployment (Lambda or ECS): attach to this commit's active deployment or create one, watch it, conclude. */
async function releaseOne(deps, inputs) {
    const group = inputs.groups[0];
    const platform = inputs.platform;
    const { log } = deps;
    const refusal = (reason) => emptyOutcome('refused', reason, { platform });
    const versions = { stable: undefined, target: inputs.lambda?.version ?? inputs.ecs?.taskDefinition };
    let deploymentId;
    let continued = false;
    let configName;
    try {
        const groupInfo = await readGroup(deps.client, inputs.application, group, platform);
        warnAboutRollbackConfig(groupInfo, (m) => log.warning(m));
        await checkGateBeforeStart(deps.gate, deps.signal);
        const active = await activeDeployments(deps.client, inputs.application, group);
        const mine = active.find((d) => isThisCommits(d, inputs.sha));
        const other = active.find((d) => !isThisCommits(d, inputs.sha));
        if (other) {
            throw new Refusal(`deployment group ${JSON.stringify(group)} already has an active deployment that is not this commit's: ${describeActive(other)}`);
        }
        if (deps.signal.aborted)
            throw new Refusal('the workflow was cancelled before any change');
        if (mine?.deploymentId) {
            deploymentId = mine.deploymentId;
            configName = mine.deploymentConfigName;
            log.info(`Attaching to this commit's deployment ${deploymentId} (${mine.status ?? '?'}) instead of starting another.`);
            deps.onDeployment(deploymentId);
            if (mine.status === 'Ready') {
                await deps.writeClient.send(new dist_cjs/* ContinueDeploymentCommand */.Md$({ deploymentId, deploymentWaitType: 'READY_WAIT' }));
                log.info(`Continued deployment ${deploymentId}: traffic now moves to the replacement task set.`);
                continued = true;
            }
        }
        else {
            let current;
            if (platform === 'Lambda') {
                const lv = await lambdaVersions(deps, inputs);
                current = lv.current;
                versions.stable = current;
                if (lv.promoted) {
                    log.info(`Alias ${inputs.lambda?.functionName ?? ''}:${inputs.lambda?.alias ?? ''} already serves version ${current}: nothing to deploy.`);
                    return emptyOutcome('promoted', undefined, { weight: 100, stableVersion: current, targetVersion: current, platform });
                }
            }
            configName = await ensureConfig(deps.writeClient, platform, inputs.configChoice, (m) => log.info(m));
            const routing = inputs.configChoice.kind === 'group' ? `the group's config ${groupInfo.deploymentConfigName ?? '?'}` : `${configName ?? ''} (${describeRouting(inputs.configChoice.routing)})`;
            log.info(`Deploying ${describeTarget(inputs, current)} with ${routing}.`);
            deploymentId = await createDeployment(deps, inputs, group, revisionFor(inputs, current), configName);
            configName ??= groupInfo.deploymentConfigName;
            log.info(`Created deployment ${deploymentId}: ${(0,clients/* deploymentLink */.C)(deps.region, deploymentId)}`);
            deps.onDeployment(deploymentId);
        }
    }
    catch (error) {
        if (error instanceof Refusal)
            return refusal(error.message);
        throw error;
    }
    const refs = [{ id: deploymentId, group, kind: 'deployment', status: 'Created' }];
    const watcher = new codedeploy_watcher/* DeploymentWatcher */.M_(deps, deploymentId, { readTarget: true, holdOnReady: !continued });
    try {
        const end = await watcher.watch();
        const c = await conclude(deps, deploymentId, end, watcher.weight);
        refs[0].status = c.finalStatus ?? watcher.info?.status ?? '?';
        if (c.rollbackId)
            refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' });
        const lambdaInfo = watcher.target?.lambdaTarget?.lambdaFunctionInfo;
        versions.stable ??= lambdaInfo?.currentVersion ?? stableOf(platform, watcher.info?.previousRevision);
        if (lambdaInfo?.targetVersion)
            versions.target = lambdaInfo.targetVersion;
        return {
            ...emptyOutcome(c.result, c.reason),
            weight: c.weight,
            stableVersion: versions.stable,
            targetVersion: versions.target,
            alarm: c.alarm,
            alarmName: c.alarmName,
            errorCode: c.errorCode,
            deployments: refs,
            rows: watcher.rows,
            callsPerPoll: watcher.lastCallsPerPoll,
            stopLatencyMs: c.stopLatencyMs,
            configName,
            platform,
        };
    }
    catch (error) {
        // Anything unexpected mid-deployment still stops it with rollback; if that fails too, the post step tries again.
        log.error(`Unexpected error while following deployment ${deploymentId}, stopping it: ${(0,errors/* errorMessage */.gJ)(error)}`);
        const follow = await (0,codedeploy_watcher/* stopAndFollow */.zG)(deps, deploymentId, (0,errors/* errorMessage */.gJ)(error));
        const rolledBack = follow.rollback?.status === 'Succeeded';
        return {
            ...emptyOutcome(rolledBack ? 'rolled-back' : 'failed', `${(0,errors/* errorMessage */.gJ)(error)}; stopped deployment ${deploymentId}`),
            weight: rolledBack ? 0 : watcher.weight,
            deployments: [...refs, ...(follow.rollbackId ? [{ id: follow.rollbackId, group, kind: 'rollback', status: follow.rollback?.status ?? '?' }] : [])],
            rows: watcher.rows,
            platform,
        };
    }
}
function stableOf(platform, previous) {
    if (platform === 'ECS')
        return taskDefinitionOf(previous?.appSpecContent?.content ?? previous?.string?.content);
    return describeRevision(previous);
}
function describeTarget(inputs, current) {
    if (inputs.lambda)
        return `${inputs.lambda.functionName}:${inputs.lambda.alias} from version ${current ?? '?'} to version ${inputs.lambda.version}`;
    if (inputs.ecs)
        return `task definition ${inputs.ecs.taskDefinition} (container ${inputs.ecs.containerName}:${inputs.ecs.containerPort})`;
    return describeRevision(inputs.revision) ?? 'the revision';
}

;// CONCATENATED MODULE: ./src/codedeploy/modes.ts











/** `mode: rollback`: stop each group's active deployment with rollback (last group first) and follow it to its end. */
async function rollbackActive(deps, inputs, region) {
    const refs = [];
    const problems = [];
    for (const group of [...inputs.groups].reverse()) {
        const active = await activeDeployments(deps.client, inputs.application, group);
        if (active.length === 0) {
            deps.log.info(`Deployment group ${group}: no active deployment.`);
            continue;
        }
        for (const info of active) {
            const id = info.deploymentId ?? '';
            deps.log.info(`Deployment group ${group}: ${describeActive(info)} ${(0,clients/* deploymentLink */.C)(region, id)}`);
            if (info.creator === 'codeDeployRollback') {
                refs.push({ id, group, kind: 'rollback', status: await waitEnd(deps, id) });
                continue;
            }
            const follow = await (0,codedeploy_watcher/* stopAndFollow */.zG)(deps, id, 'mode: rollback');
            refs.push({ id, group, kind: 'deployment', status: follow.original?.status ?? '?' });
            if (follow.rollbackId)
                refs.push({ id: follow.rollbackId, group, kind: 'rollback', status: follow.rollback?.status ?? '?' });
            if (follow.rollback?.status !== 'Succeeded')
                problems.push(`${id}: ${follow.rollbackId ? `rollback ${follow.rollbackId} ended ${follow.rollback?.status ?? '?'}` : 'no rollback deployment was created'}`);
        }
    }
    const reason = refs.length === 0 ? 'no active deployment to roll back' : problems.length > 0 ? problems.join('; ') : undefined;
    return emptyOutcome(problems.length > 0 ? 'failed' : 'rolled-back', reason, { deployments: refs, weight: problems.length > 0 ? undefined : 0 });
}
async function waitEnd(deps, id) {
    for (;;) {
        const status = (await deps.stopClient.send(new dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: id }))).deploymentInfo?.status ?? '?';
        if (codedeploy_watcher/* TERMINAL */.ff.has(status))
            return status;
        await deps.clock.sleep(Math.min(deps.pollMs, 2_000));
    }
}

/** `mode: plan`: every read a deploy would make before its first write, and what it would deploy. Writes nothing. */
async function planDeployment(deps, inputs) {
    const problems = [];
    const lines = [];
    const check = async (label, action) => {
        try {
            const detail = await action();
            deps.log.info(`✓ ${label}${detail ? `: ${detail}` : ''}`);
        }
        catch (error) {
            problems.push(`${label}: ${(0,errors/* errorMessage */.gJ)(error)}`);
            deps.log.error(`✗ ${label}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    };
    for (const group of inputs.groups) {
        await check(`codedeploy:GetDeploymentGroup ${group}`, async () => {
            const info = await readGroup(deps.client, inputs.application, group, inputs.platform);
            warnAboutRollbackConfig(info, (m) => deps.log.warning(m));
            if (inputs.configChoice.kind === 'group')
                lines.push(`Group ${group}: its own config ${info.deploymentConfigName ?? '?'}`);
            return `${info.computePlatform ?? '?'}, config ${info.deploymentConfigName ?? '?'}`;
        });
        await check(`codedeploy:ListDeployments ${group}`, async () => {
            const active = await activeDeployments(deps.client, inputs.application, group);
            const first = active[0];
            if (!first)
                return 'no active deployment';
            if (isThisCommits(first, inputs.sha))
                return `a deploy would attach to this commit's ${describeActive(first)}`;
            throw new Error(`a deploy would be refused: ${describeActive(first)} is active`);
        });
    }
    const choice = inputs.configChoice;
    if (choice.kind !== 'group') {
        await check(`codedeploy:GetDeploymentConfig ${choice.name}`, async () => {
            try {
                const info = (await deps.client.send(new dist_cjs/* GetDeploymentConfigCommand */.z2K({ deploymentConfigName: choice.name }))).deploymentConfigInfo;
                return `exists (${describeRouting(info?.trafficRoutingConfig)})`;
            }
            catch (error) {
                if (choice.kind === 'custom' && error instanceof Error && error.name === 'DeploymentConfigDoesNotExistException')
                    return 'a deploy would create it';
                throw error;
            }
        });
        lines.push(`Deployment config ${choice.name}: ${describeRouting(choice.routing)}`);
    }
    await check('cloudwatch:DescribeAlarms', async () => {
        const reading = await deps.gate.check(deps.signal);
        if (reading.missing.length > 0)
            throw new Error(`not found: ${reading.missing.join(', ')}`);
        if (reading.status !== 'pass')
            throw new Error((0,src_gate/* describeReading */.Y)(reading));
        return (0,src_gate/* describeReading */.Y)(reading);
    });
    const lambda = inputs.lambda;
    if (lambda && deps.lambda) {
        const client = deps.lambda;
        await check(`lambda:GetAlias ${lambda.functionName}:${lambda.alias}`, async () => {
            const alias = await client.send(new client_lambda_dist_cjs/* GetAliasCommand */.MES({ FunctionName: lambda.functionName, Name: lambda.alias }));
            const weights = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
            if (weights.length > 0)
                throw new Error(`already routes to version ${weights.join(', ')}; CodeDeploy cannot start from a weighted alias`);
            lines.push(`Lambda ${lambda.functionName}:${lambda.alias}: version ${alias.FunctionVersion ?? '?'} → ${lambda.version}`);
            return `serves version ${alias.FunctionVersion ?? '?'}`;
        });
    }
    if (inputs.ecs)
        lines.push(`ECS: task definition ${inputs.ecs.taskDefinition}, container ${inputs.ecs.containerName}:${inputs.ecs.containerPort} (${inputs.ecs.path})`);
    if (inputs.revision)
        lines.push(`EC2/on-prem: ${describeRevision(inputs.revision) ?? '?'} to ${inputs.groups.join(' → ')}`);
    return { problems, lines };
}

;// CONCATENATED MODULE: ./src/codedeploy/report.ts

const RESULT_LINE = {
    promoted: '✅ Promoted',
    held: '⏸️ Held',
    'rolled-back': '↩️ Rolled back',
    refused: '⛔ Refused to start',
    failed: '❌ Failed',
};
const cell = (text) => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const time = (ms) => new Date(ms).toISOString().slice(11, 19);
/** The step's outputs, as name → value. */
function outputsOf(outcome) {
    return {
        result: outcome.result,
        weight: outcome.weight === undefined ? '' : String(outcome.weight),
        'stable-version': outcome.stableVersion ?? '',
        'target-version': outcome.targetVersion ?? '',
        alarm: outcome.alarmName ?? outcome.alarm?.name ?? '',
    };
}
function failureMessage(outcome, what) {
    const reason = outcome.reason ?? 'unknown reason';
    switch (outcome.result) {
        case 'rolled-back':
            return `Rolled back ${what}: ${reason}`;
        case 'refused':
            return `Did not start: ${reason}`;
        default:
            return `CodeDeploy deployment of ${what} failed: ${reason}`;
    }
}
/** The job summary: outcome, deployment links, a compact per-poll progress table, errors. */
function renderSummary(outcome, context) {
    const lines = [`## CodeDeploy release of ${cell(context.what)}: ${RESULT_LINE[outcome.result]}`, ''];
    if (outcome.reason)
        lines.push(`**Why:** ${cell(outcome.reason)}`, '');
    if (outcome.alarm)
        lines.push(`Alarm [${cell(outcome.alarm.name)}](${outcome.alarm.link}) was **${outcome.alarm.state}**: ${cell(outcome.alarm.reason)}`, '');
    else if (outcome.alarmName)
        lines.push(`Alarm **${cell(outcome.alarmName)}** stopped the deployment (CodeDeploy's alarm configuration).`, '');
    if (outcome.deployments.length > 0) {
        lines.push('| Deployment | Group | Kind | Status |', '|---|---|---|---|');
        for (const d of outcome.deployments)
            lines.push(`| [${d.id}](${(0,clients/* deploymentLink */.C)(context.region, d.id)}) | ${cell(d.group)} | ${d.kind} | ${d.status} |`);
        lines.push('');
    }
    const facts = [
        outcome.configName ? `config \`${outcome.configName}\`` : undefined,
        outcome.stableVersion ? `stable ${outcome.stableVersion}` : undefined,
        outcome.targetVersion ? `target ${outcome.targetVersion}` : undefined,
        outcome.weight !== undefined ? `new version's traffic at exit ${outcome.weight}%` : undefined,
        outcome.callsPerPoll !== undefined ? `API calls per poll ${outcome.callsPerPoll}` : undefined,
        outcome.stopLatencyMs !== undefined ? `StopDeployment ${outcome.stopLatencyMs} ms after the alarm/cancel was seen` : undefined,
    ].filter((f) => f !== undefined);
    if (facts.length > 0)
        lines.push(facts.map(cell).join(' · '), '');
    if (outcome.rows.length > 0) {
        lines.push('| From (UTC) | Polls | Deployment | Status | Traffic | Gate |', '|---|---|---|---|---|---|');
        for (const row of outcome.rows.slice(-50)) {
            const traffic = row.weight !== undefined ? `${row.weight}%` : row.instances !== undefined ? `${row.instances} instances` : '–';
            lines.push(`| ${time(row.at)} | ${row.polls} | ${row.deploymentId} | ${row.status} | ${traffic} | ${row.gate} |`);
        }
        if (outcome.rows.length > 50)
            lines.push('', `(${outcome.rows.length - 50} earlier rows omitted)`);
        lines.push('');
    }
    if (context.alarms.length === 0)
        lines.push("> [!NOTE]\n> The action watched no alarms of its own; only the deployment group's alarm configuration applied.", '');
    else
        lines.push(`**Gates:** ${context.alarms.map(cell).join(', ')}`, '');
    return lines.join('\n');
}
function outcomeProgress(outcome) {
    const id = outcome.deployments[0]?.id ?? '';
    switch (outcome.result) {
        case 'promoted':
            return { state: 'success', description: `CodeDeploy ${id} succeeded` };
        case 'held':
            return { state: 'success', description: `CodeDeploy ${id} is Ready, waiting to continue` };
        default:
            return { state: 'failure', description: `${outcome.result}: ${outcome.reason ?? ''}` };
    }
}

;// CONCATENATED MODULE: ./src/codedeploy/server-stages.ts









/**
 * EC2/on-premises: the same revision to each deployment group in turn (a canary group first, then
 * the fleet). The action's alarms are read on every poll of each deployment and once more between
 * groups; the next group starts only on a green read.
 */
async function releaseServer(deps, inputs) {
    const { log } = deps;
    const target = describeRevision(inputs.revision);
    const refs = [];
    const rows = [];
    let callsPerPoll;
    let stable;
    const base = { platform: 'Server', targetVersion: target };
    // Everything read before the first write: every group exists and is a Server group, no foreign deployment is active.
    const attach = new Map();
    try {
        for (const group of inputs.groups) {
            warnAboutRollbackConfig(await readGroup(deps.client, inputs.application, group, 'Server'), (m) => log.warning(m));
            const active = await activeDeployments(deps.client, inputs.application, group);
            const other = active.find((d) => !isThisCommits(d, inputs.sha));
            if (other)
                throw new Refusal(`deployment group ${JSON.stringify(group)} already has an active deployment that is not this commit's: ${describeActive(other)}`);
            const mine = active[0];
            if (mine)
                attach.set(group, mine);
        }
        await checkGateBeforeStart(deps.gate, deps.signal);
    }
    catch (error) {
        if (error instanceof Refusal)
            return emptyOutcome('refused', error.message, base);
        throw error;
    }
    for (const [index, group] of inputs.groups.entries()) {
        const stage = `stage ${index + 1}/${inputs.groups.length} (group ${group})`;
        const partial = (result, reason, extra = {}) => ({
            ...emptyOutcome(result, reason, base),
            stableVersion: stable,
            deployments: refs,
            rows,
            callsPerPoll,
            ...extra,
        });
        if (index > 0) {
            const reading = await deps.gate.check(deps.signal);
            log.info(`Between stages: ${(0,src_gate/* describeReading */.Y)(reading)}`);
            if (deps.signal.aborted)
                return partial('failed', `the workflow was cancelled before ${stage}; earlier groups keep ${target ?? 'the revision'}`);
            if (reading.status !== 'pass') {
                const alarm = reading.firing[0];
                return partial('failed', `${(0,src_gate/* describeReading */.Y)(reading)} before ${stage}; earlier groups keep ${target ?? 'the revision'}, later ones were not deployed`, {
                    alarm,
                    alarmName: alarm?.name,
                });
            }
        }
        log.startGroup(`${stage}: ${target ?? ''}`);
        let id;
        try {
            const mine = attach.get(group);
            if (mine?.deploymentId) {
                id = mine.deploymentId;
                log.info(`Attaching to this commit's deployment ${id} (${mine.status ?? '?'}) instead of starting another.`);
            }
            else {
                if (deps.signal.aborted)
                    return partial(index === 0 ? 'refused' : 'failed', `the workflow was cancelled before ${stage}`);
                id = await createDeployment(deps, inputs, group, inputs.revision ?? {}, undefined);
                log.info(`Created deployment ${id}: ${(0,clients/* deploymentLink */.C)(deps.region, id)}`);
            }
        }
        catch (error) {
            log.endGroup();
            if (error instanceof Refusal)
                return partial(index === 0 ? 'refused' : 'failed', error.message);
            throw error;
        }
        deps.onDeployment(id);
        const ref = { id, group, kind: 'deployment', status: 'Created' };
        refs.push(ref);
        const watcher = new codedeploy_watcher/* DeploymentWatcher */.M_(deps, id, { readTarget: false, holdOnReady: false });
        try {
            const end = await watcher.watch();
            const c = await conclude(deps, id, end, undefined);
            rows.push(...watcher.rows);
            if (watcher.lastCallsPerPoll !== undefined)
                callsPerPoll = watcher.lastCallsPerPoll;
            stable ??= describeRevision(watcher.info?.previousRevision);
            ref.status = c.finalStatus ?? watcher.info?.status ?? '?';
            if (c.rollbackId)
                refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' });
            if (c.result !== 'promoted') {
                const earlier = index > 0 ? `; earlier groups (${inputs.groups.slice(0, index).join(', ')}) keep ${target ?? 'the revision'}` : '';
                return partial(c.result, `${stage}: ${c.reason ?? ''}${earlier}`, {
                    alarm: c.alarm,
                    alarmName: c.alarmName,
                    errorCode: c.errorCode,
                    stopLatencyMs: c.stopLatencyMs,
                    weight: undefined,
                });
            }
            log.info(`${stage} succeeded.`);
        }
        catch (error) {
            rows.push(...watcher.rows);
            throw new Error(`${stage}, deployment ${id}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
        finally {
            log.endGroup();
        }
    }
    return { ...emptyOutcome('promoted', undefined, base), stableVersion: stable, weight: 100, deployments: refs, rows, callsPerPoll };
}

;// CONCATENATED MODULE: ./src/codedeploy/main-step.ts















/** Counts every request a client sends (before retries), for "API calls per poll". */
function count(client, counter) {
    client.middlewareStack.add((next) => async (args) => {
        counter.n += 1;
        return next(args);
    }, { step: 'initialize', name: 'canaryCallCounter' });
    return client;
}
function what(inputs) {
    const groups = inputs.groups.join(' → ');
    if (inputs.lambda)
        return `${inputs.lambda.functionName}:${inputs.lambda.alias} (${inputs.application}/${groups})`;
    return `${inputs.application}/${groups}`;
}
/** CodeDeploy mode's main step: start (or attach to) the deployment, watch it with the action's alarms, stop and roll back on alarm or cancel. */
async function codeDeployMain(config, signal) {
    const inputs = readCodeDeployInputs(config, (name) => core/* getInput */.V4(name));
    const region = config.region;
    const counter = { n: 0 };
    const client = count((0,clients/* codeDeployClient */.i)(region, 'poll'), counter);
    const writeClient = count((0,clients/* codeDeployClient */.i)(region, 'write'), counter);
    const stopClient = (0,clients/* codeDeployClient */.i)(region, 'rollback');
    const cloudWatch = count((0,aws/* cloudWatchClient */.U_)(region), counter);
    const lambda = inputs.platform === 'Lambda' ? (0,aws/* lambdaClient */.du)(region, 'poll') : undefined;
    const gate = new alarms/* AlarmGate */.J({
        client: cloudWatch,
        names: config.alarms.names,
        prefixes: config.alarms.prefixes,
        region,
        insufficientData: config.insufficientData,
        clock: clock/* systemClock */.m,
    });
    const ids = [];
    const deps = {
        client,
        writeClient,
        stopClient,
        lambda,
        gate,
        clock: clock/* systemClock */.m,
        log: core_log/* coreLog */.uu,
        pollMs: config.pollMs,
        signal,
        region,
        calls: () => counter.n,
        onDeployment: (id) => {
            if (!ids.includes(id))
                ids.push(id);
            core/* setOutput */.uH('deployment-id', ids.join(','));
            const saved = { region, aliases: [], codeDeploy: { deploymentId: id } };
            core/* saveState */.LZ(saved_state/* STATE_ROLLOUT */.cH, JSON.stringify(saved));
            core/* info */.pq(`Deployment ${id}: ${(0,clients/* deploymentLink */.C)(region, id)}`);
        },
    };
    try {
        if (config.mode === 'plan') {
            const { problems, lines } = await planDeployment({ client, lambda, gate, log: core_log/* coreLog */.uu, signal }, inputs);
            core/* info */.pq(`Would deploy:\n${lines.map((l) => `  ${l}`).join('\n')}`);
            core/* setOutput */.uH('result', problems.length === 0 ? 'planned' : 'refused');
            await core/* summary */.z
                .addRaw(`## CodeDeploy release plan for ${what(inputs)}: ${problems.length === 0 ? '✅ ready' : '⛔ not ready'}\n\n` +
                [...problems.map((p) => `- ✗ ${p}`), ...lines.map((l) => `- ${l}`)].join('\n') +
                '\n')
                .write();
            if (problems.length > 0)
                core/* setFailed */.C1(`Plan found ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}`);
            return;
        }
        const reporter = await (0,github_reporter/* createReporter */.A5)({
            mode: config.github.status,
            token: config.github.token,
            environment: config.github.environment,
            context: `canary/codedeploy/${inputs.application}`,
            log: { info: (m) => core/* info */.pq(m), warning: (m) => core/* warning */.$e(m) },
        });
        let outcome;
        if (config.mode === 'rollback')
            outcome = await rollbackActive(deps, inputs, region);
        else {
            void reporter.report({ state: 'pending', description: `CodeDeploy release of ${what(inputs)} starting` });
            outcome = inputs.platform === 'Server' ? await releaseServer(deps, inputs) : await releaseOne(deps, inputs);
        }
        if (outcome.settled)
            core/* saveState */.LZ(saved_state/* STATE_SETTLED */.gB, 'true');
        for (const [name, value] of Object.entries(outputsOf(outcome)))
            core/* setOutput */.uH(name, value);
        if (ids.length === 0)
            core/* setOutput */.uH('deployment-id', outcome.deployments.map((d) => d.id).join(','));
        if (outcome.callsPerPoll !== undefined)
            core/* info */.pq(`API calls per poll: ${outcome.callsPerPoll} (CodeDeploy and CloudWatch).`);
        await reporter.report(outcomeProgress(outcome));
        await core/* summary */.z.addRaw(renderSummary(outcome, { what: what(inputs), region, alarms: gate.names })).write();
        const failed = config.mode === 'rollback' ? outcome.result !== 'rolled-back' : isFailure(outcome);
        if (failed)
            core/* setFailed */.C1(failureMessage(outcome, what(inputs)));
        else if (config.mode === 'rollback')
            core/* info */.pq(outcome.reason ? `Nothing to do: ${outcome.reason}.` : 'Rolled back.');
        else
            core/* info */.pq(outcome.result === 'held' ? `Held: ${outcome.reason ?? ''}` : `Promoted ${outcome.targetVersion ?? ''}.`);
    }
    catch (error) {
        core/* setFailed */.C1(`CodeDeploy mode: ${(0,errors/* errorMessage */.gJ)(error)}`);
    }
    finally {
        client.destroy();
        writeClient.destroy();
        stopClient.destroy();
        cloudWatch.destroy();
        lambda?.destroy();
    }
}


/***/ }),

/***/ 834:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   M_: () => (/* binding */ DeploymentWatcher),
/* harmony export */   ff: () => (/* binding */ TERMINAL),
/* harmony export */   u8: () => (/* binding */ followRollback),
/* harmony export */   zG: () => (/* binding */ stopAndFollow)
/* harmony export */ });
/* unused harmony exports DEFAULT_MAX_UNREADABLE, targetWeight, instancesDone */
/* harmony import */ var _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(7507);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _gate_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(1956);



const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);
const DEFAULT_MAX_UNREADABLE = 3;
class Aborted extends Error {
}
/** Resolves with `promise`, or rejects at once when `signal` aborts (the request itself is aborted too). */
function raceAbort(promise, signal) {
    if (signal.aborted)
        return Promise.reject(new Aborted());
    return new Promise((resolve, reject) => {
        const onAbort = () => reject(new Aborted());
        signal.addEventListener('abort', onAbort, { once: true });
        promise.then((v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
        }, (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e instanceof Error ? e : new Error(String(e)));
        });
    });
}
/** The new version's share of traffic in percent, from a Lambda or ECS deployment target. */
function targetWeight(target) {
    const fraction = target?.lambdaTarget?.lambdaFunctionInfo?.targetVersionWeight;
    if (fraction !== undefined)
        return Math.round(fraction * 100 * 1000) / 1000;
    const sets = target?.ecsTarget?.taskSetsInfo;
    if (sets && sets.length > 0) {
        const green = sets.find((s) => s.taskSetLabel === 'Green') ?? sets[1];
        return green?.trafficWeight ?? 0;
    }
    return undefined;
}
function instancesDone(info) {
    const o = info?.deploymentOverview;
    if (!o || info?.computePlatform !== 'Server')
        return undefined;
    const total = (o.Pending ?? 0) + (o.InProgress ?? 0) + (o.Succeeded ?? 0) + (o.Failed ?? 0) + (o.Skipped ?? 0) + (o.Ready ?? 0);
    return `${o.Succeeded ?? 0}/${total}${o.Failed ? ` (${o.Failed} failed)` : ''}`;
}
/**
 * Follows one deployment: every `pollMs`, one GetDeployment, one target read (Lambda/ECS; the target
 * is listed once) and one read of the action's own alarms, in parallel. Ends on CodeDeploy's own end,
 * on Ready (when holding), on a firing or unreadable gate, or on a cancel. Never stops anything itself.
 */
class DeploymentWatcher {
    deps;
    deploymentId;
    options;
    rows = [];
    weight;
    info;
    /** The deployment target as last read (Lambda, ECS). */
    target;
    polls = 0;
    maxCallsPerPoll;
    /** Requests in the latest poll: the steady state (the first poll also lists the target). */
    lastCallsPerPoll;
    targetId;
    unreadableGate = 0;
    unreadableDeployment = 0;
    constructor(deps, deploymentId, options) {
        this.deps = deps;
        this.deploymentId = deploymentId;
        this.options = options;
    }
    async watch() {
        const { clock, signal, log, pollMs } = this.deps;
        const max = this.deps.maxUnreadable ?? DEFAULT_MAX_UNREADABLE;
        for (;;) {
            if (signal.aborted)
                return this.cancelled();
            const before = this.deps.calls?.();
            const pollStartedAt = clock.now();
            let deployment;
            let weight;
            let reading;
            try {
                ;
                [deployment, weight, reading] = await raceAbort(Promise.all([this.readDeployment(), this.readWeight(), this.deps.gate.check(signal)]), signal);
            }
            catch (error) {
                if (error instanceof Aborted || signal.aborted)
                    return this.cancelled();
                throw error;
            }
            const after = this.deps.calls?.();
            if (before !== undefined && after !== undefined) {
                this.lastCallsPerPoll = after - before;
                this.maxCallsPerPoll = Math.max(this.maxCallsPerPoll ?? 0, after - before);
            }
            this.polls += 1;
            if (weight !== undefined)
                this.weight = weight;
            if (!(deployment instanceof Error))
                this.info = deployment;
            this.record(deployment, reading);
            if (reading.status === 'fail') {
                const alarm = reading.firing[0];
                return { kind: 'alarm', alarm, reason: `alarm ${JSON.stringify(alarm.name)} is ${alarm.state}: ${alarm.reason}`, detectedAt: pollStartedAt };
            }
            if (reading.status === 'inconclusive') {
                this.unreadableGate += 1;
                log.warning(`Alarms unreadable (${this.unreadableGate}/${max}): ${(0,_gate_js__WEBPACK_IMPORTED_MODULE_1__/* .describeReading */ .Y)(reading)}`);
                if (this.unreadableGate >= max) {
                    return { kind: 'unreadable', reason: `alarms unreadable for ${max} polls in a row: ${(0,_gate_js__WEBPACK_IMPORTED_MODULE_1__/* .describeReading */ .Y)(reading)}`, detectedAt: pollStartedAt };
                }
            }
            else
                this.unreadableGate = 0;
            if (deployment instanceof Error) {
                this.unreadableDeployment += 1;
                log.warning(`Could not read deployment ${this.deploymentId} (${this.unreadableDeployment}/${max}): ${deployment.message}`);
                if (this.unreadableDeployment >= max) {
                    return { kind: 'unreadable', reason: `deployment ${this.deploymentId} unreadable for ${max} polls in a row: ${deployment.message}`, detectedAt: clock.now() };
                }
            }
            else {
                this.unreadableDeployment = 0;
                const status = deployment.status ?? '';
                if (status === 'Succeeded')
                    return { kind: 'succeeded', info: deployment };
                if (status === 'Failed' || status === 'Stopped')
                    return { kind: 'ended', info: deployment };
                if (status === 'Ready' && this.options.holdOnReady)
                    return { kind: 'ready', info: deployment };
            }
            try {
                await clock.sleep(pollMs, signal);
            }
            catch {
                return this.cancelled();
            }
        }
    }
    cancelled() {
        const reason = this.deps.signal.reason instanceof Error ? this.deps.signal.reason.message : 'the workflow was cancelled';
        return { kind: 'cancelled', reason: `the workflow was cancelled (${reason})`, detectedAt: this.deps.clock.now() };
    }
    async readDeployment() {
        try {
            const { deploymentInfo } = await this.deps.client.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .GetDeploymentCommand */ .Tvn({ deploymentId: this.deploymentId }), {
                abortSignal: this.deps.signal,
            });
            if (!deploymentInfo)
                return new Error('GetDeployment returned no deploymentInfo');
            return deploymentInfo;
        }
        catch (error) {
            if (this.deps.signal.aborted)
                throw new Aborted();
            return error instanceof Error ? error : new Error((0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error));
        }
    }
    /** ListDeploymentTargets until the target appears (once), then one GetDeploymentTarget per poll. Best effort. */
    async readWeight() {
        if (!this.options.readTarget)
            return undefined;
        const opts = { abortSignal: this.deps.signal };
        try {
            if (this.targetId === undefined) {
                const { targetIds } = await this.deps.client.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .ListDeploymentTargetsCommand */ .$9V({ deploymentId: this.deploymentId }), opts);
                this.targetId = targetIds?.[0];
                if (this.targetId === undefined)
                    return undefined;
            }
            const { deploymentTarget } = await this.deps.client.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .GetDeploymentTargetCommand */ .Oxg({ deploymentId: this.deploymentId, targetId: this.targetId }), opts);
            if (deploymentTarget)
                this.target = deploymentTarget;
            return targetWeight(deploymentTarget);
        }
        catch (error) {
            if (this.deps.signal.aborted)
                throw new Aborted();
            this.deps.log.info(`Could not read the deployment's target: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_0__/* .errorMessage */ .gJ)(error)}`);
            return undefined;
        }
    }
    record(deployment, reading) {
        const status = deployment instanceof Error ? 'unreadable' : (deployment.status ?? '?');
        const instances = deployment instanceof Error ? undefined : instancesDone(deployment);
        const gate = reading.status === 'pass' ? (reading.alarms.length === 0 ? '–' : 'OK') : reading.status === 'fail' ? 'ALARM' : 'unreadable';
        const weight = this.weight;
        const last = this.rows.at(-1);
        if (last && last.deploymentId === this.deploymentId && last.status === status && last.weight === weight && last.instances === instances && last.gate === gate) {
            last.polls += 1;
        }
        else {
            this.rows.push({ at: reading.at, deploymentId: this.deploymentId, status, weight, instances, gate, polls: 1 });
        }
        const traffic = weight !== undefined ? `, ${weight}% on the new version` : instances !== undefined ? `, ${instances} instances done` : '';
        this.deps.log.info(`${this.deploymentId}: ${status}${traffic}; gate: ${(0,_gate_js__WEBPACK_IMPORTED_MODULE_1__/* .describeReading */ .Y)(reading)}`);
    }
}
/** How often a rollback is followed: it is CodeDeploy's work, so at most every 2 s, never slower than the poll. */
const followMs = (pollMs) => Math.min(pollMs, 2_000);
/** After a deployment ended, how many reads wait for its rollback deployment to appear. */
const ROLLBACK_APPEAR_READS = 15;
/** StopDeployment with rollback, then follows the rollback deployment to its end. Uses only the stop client. */
async function stopAndFollow(deps, deploymentId, why) {
    const stopSentAt = deps.clock.now();
    try {
        const stop = await deps.stopClient.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .StopDeploymentCommand */ .NzN({ deploymentId, autoRollbackEnabled: true }));
        deps.log.warning(`Stopped deployment ${deploymentId} with rollback (${why}): ${stop.status ?? ''} ${stop.statusMessage ?? ''}`.trim());
    }
    catch (error) {
        if (!(error instanceof Error && error.name === 'DeploymentAlreadyCompletedException'))
            throw error;
        deps.log.warning(`Deployment ${deploymentId} had already ended when it was to be stopped (${why}).`);
    }
    return { ...(await followRollback(deps, deploymentId)), stopSentAt };
}
/** Waits for an ended (or ending) deployment's rollback deployment, if any, and follows it to its end. */
async function followRollback(deps, deploymentId) {
    const interval = followMs(deps.pollMs);
    let original;
    let rollbackId;
    let endedReads = 0;
    for (;;) {
        original = (await deps.stopClient.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .GetDeploymentCommand */ .Tvn({ deploymentId }))).deploymentInfo;
        rollbackId = original?.rollbackInfo?.rollbackDeploymentId;
        if (rollbackId)
            break;
        if (TERMINAL.has(original?.status ?? '')) {
            endedReads += 1;
            if (original?.status === 'Succeeded' || endedReads >= ROLLBACK_APPEAR_READS)
                return { original, rollbackId: undefined, rollback: undefined };
        }
        await deps.clock.sleep(interval);
    }
    deps.log.info(`Following rollback deployment ${rollbackId}.`);
    let rollback;
    let last = '';
    for (;;) {
        rollback = (await deps.stopClient.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_2__/* .GetDeploymentCommand */ .Tvn({ deploymentId: rollbackId }))).deploymentInfo;
        const status = rollback?.status ?? '?';
        if (status !== last)
            deps.log.info(`Rollback ${rollbackId}: ${status}`);
        last = status;
        if (TERMINAL.has(status))
            return { original, rollbackId, rollback };
        await deps.clock.sleep(interval);
    }
}


/***/ })

};
