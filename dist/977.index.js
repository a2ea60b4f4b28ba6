export const id = 977;
export const ids = [977];
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

/***/ 9977:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   codeDeployPost: () => (/* binding */ codeDeployPost)
/* harmony export */ });
/* harmony import */ var _actions_core__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(6257);
/* harmony import */ var _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_6__ = __webpack_require__(7507);
/* harmony import */ var _clock_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(529);
/* harmony import */ var _core_log_js__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(5523);
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(3916);
/* harmony import */ var _clients_js__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(7442);
/* harmony import */ var _watcher_js__WEBPACK_IMPORTED_MODULE_5__ = __webpack_require__(834);







/** Post step: main left a deployment unsettled (killed, crashed). Stop it with rollback if still active, and follow the rollback to its end. */
async function codeDeployPost(saved) {
    const deploymentId = saved.codeDeploy?.deploymentId;
    if (!deploymentId)
        return;
    const stopClient = (0,_clients_js__WEBPACK_IMPORTED_MODULE_4__/* .codeDeployClient */ .i)(saved.region, 'rollback');
    const deps = { stopClient, clock: _clock_js__WEBPACK_IMPORTED_MODULE_1__/* .systemClock */ .m, log: _core_log_js__WEBPACK_IMPORTED_MODULE_2__/* .coreLog */ .uu, pollMs: 2_000 };
    try {
        const info = (await stopClient.send(new _aws_sdk_client_codedeploy__WEBPACK_IMPORTED_MODULE_6__/* .GetDeploymentCommand */ .Tvn({ deploymentId }))).deploymentInfo;
        const status = info?.status ?? '?';
        let rollback;
        if (!_watcher_js__WEBPACK_IMPORTED_MODULE_5__/* .TERMINAL */ .ff.has(status)) {
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e(`The main step did not finish following deployment ${deploymentId} (${status}): stopping it with rollback.`);
            rollback = await (0,_watcher_js__WEBPACK_IMPORTED_MODULE_5__/* .stopAndFollow */ .zG)(deps, deploymentId, 'the main step did not finish');
        }
        else if (status === 'Succeeded') {
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Deployment ${deploymentId} succeeded; nothing to clean up.`);
            return;
        }
        else {
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Deployment ${deploymentId} already ended ${status}; following its rollback, if any.`);
            rollback = await (0,_watcher_js__WEBPACK_IMPORTED_MODULE_5__/* .followRollback */ .u8)(deps, deploymentId);
        }
        if (rollback.rollbackId && rollback.rollback?.status === 'Succeeded')
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .info */ .pq(`Rollback ${rollback.rollbackId} succeeded.`);
        else if (rollback.original?.status === 'Succeeded')
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .warning */ .$e(`Deployment ${deploymentId} succeeded before it could be stopped.`);
        else
            _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setFailed */ .C1(`Post-step rollback of ${deploymentId}: ${rollback.rollbackId ? `rollback ${rollback.rollbackId} ended ${rollback.rollback?.status ?? '?'}` : 'no rollback deployment was created'}`);
    }
    catch (error) {
        _actions_core__WEBPACK_IMPORTED_MODULE_0__/* .setFailed */ .C1(`Post-step rollback of ${deploymentId} failed: ${(0,_errors_js__WEBPACK_IMPORTED_MODULE_3__/* .errorMessage */ .gJ)(error)}`);
    }
    finally {
        stopClient.destroy();
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
