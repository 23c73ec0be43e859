/**
 * Checks the events the handlers receive: the run's input (RunInput, as start-run
 * builds it) and what the state machine adds to it between tasks. A malformed event
 * is an InputError naming the field, what was expected and what came.
 */
import type { RunInput } from '../core/config/events.js';
import type { ClusterConfig } from '../core/config/verifier-config.js';
import { InputError } from '../core/errors.js';
import { clusterConfigFromEnv } from './environment.js';
import { defaultGroup } from '../core/canary/consumer.js';
import { parseState, type CanaryPhase, type SliceState } from '../core/canary/state.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));

/** Reads fields of one event, naming each as `<what>.<path>` when it is wrong. */
export class EventReader {
  constructor(
    private readonly what: string,
    private readonly value: unknown,
    private readonly path = '',
  ) {
    if (!isObject(value)) {
      throw new InputError(
        `${what}: ${path === '' ? 'the event' : path} must be a JSON object, got ${show(value)}`,
      );
    }
  }

  private name(key: string): string {
    return `${this.path}${this.path === '' ? '' : '.'}${key}`;
  }

  private fail(key: string, expected: string, got: unknown): never {
    throw new InputError(
      `${this.what}: field ${this.name(key)} must be ${expected}, got ${show(got)}`,
    );
  }

  raw(key: string): unknown {
    return (this.value as Json)[key];
  }

  string(key: string, pattern?: RegExp, expected = 'a non-empty string'): string {
    const v = this.raw(key);
    if (typeof v !== 'string' || v === '' || (pattern !== undefined && !pattern.test(v)))
      this.fail(key, expected, v);
    return v;
  }

  optionalString(key: string): string | undefined {
    return this.raw(key) === undefined ? undefined : this.string(key);
  }

  integer(key: string, min = 0): number {
    const v = this.raw(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      this.fail(key, `a whole number ≥ ${min}`, v);
    return v;
  }

  object(key: string): EventReader {
    const v = this.raw(key);
    if (!isObject(v)) this.fail(key, 'a JSON object', v);
    return new EventReader(this.what, v, this.name(key));
  }

  array(key: string): unknown[] {
    const v = this.raw(key);
    if (!Array.isArray(v)) this.fail(key, 'a list', v);
    return v;
  }
}

const RUN_ID = /^[A-Za-z][A-Za-z0-9-]{0,79}$/;
const TRIGGER_KINDS = ['msk-api', 'custom', 'msk-watch', 'manual'];

/** The RunInput fields every run handler needs (docs/aws.md, "Event contract"). */
export function readRunInput(what: string, event: unknown): RunInput {
  const r = new EventReader(what, event);
  const cluster = r.string('cluster');
  const runId = r.string(
    'runId',
    RUN_ID,
    'the execution name <cluster>-<md5 of upgradeKey>-<attempt>',
  );
  if (!runId.startsWith(`${cluster}-`)) {
    throw new InputError(
      `${what}: field runId must start with the cluster's name and a dash (${cluster}-…), got ${show(runId)}`,
    );
  }
  const trigger = r.object('trigger');
  const kind = trigger.string('kind');
  if (!TRIGGER_KINDS.includes(kind)) {
    throw new InputError(
      `${what}: field trigger.kind must be one of ${TRIGGER_KINDS.join(', ')}, got ${show(kind)}`,
    );
  }
  const marker = r.object('finishedMarker');
  return {
    cluster,
    upgradeKey: r.string('upgradeKey'),
    trigger: {
      ...(event as { trigger: RunInput['trigger'] }).trigger,
      kind: kind as RunInput['trigger']['kind'],
      time: trigger.string('time'),
    },
    upgradeHash: r.string(
      'upgradeHash',
      /^[0-9a-f]{32}$/,
      '32 lowercase hex digits (md5 of upgradeKey)',
    ),
    // A run started before attempts existed has none: it was the first.
    attempt: r.raw('attempt') === undefined ? 1 : r.integer('attempt', 1),
    runId,
    finishedMarker: { bucket: marker.string('bucket'), key: marker.string('key') },
  };
}

/** The event's cluster must be the one this function serves (its VPC, its grants). */
export function checkCluster(what: string, run: RunInput, config: ClusterConfig): void {
  if (run.cluster !== config.name) {
    throw new InputError(
      `${what}: field cluster is ${show(run.cluster)}, but this function serves cluster ${show(config.name)}: the state machine picks each cluster's functions by name.`,
    );
  }
}

/**
 * The run input of an event for a run handler, and the configuration of the cluster the
 * function serves, checked to be the same cluster.
 */
export function readRunFor(
  what: string,
  event: unknown,
  env?: Readonly<Record<string, string | undefined>>,
): { run: RunInput; cluster: ClusterConfig } {
  const run = readRunInput(what, event);
  const cluster = clusterConfigFromEnv(env);
  checkCluster(what, run, cluster);
  return { run, cluster };
}

/** What the state machine carries between canary tasks, at `$.canary`. */
export interface CanaryStep {
  readonly state: SliceState;
  readonly phase: CanaryPhase;
  /** The next history part's number. */
  readonly nextPart: number;
  /** True once the upgrade-finished marker was seen (or the run's time is up). */
  readonly upgradeOver: boolean;
  /** True once a slice sent the run's `Verification Anomaly` event (one per run). */
  readonly anomalySent?: boolean;
}

/**
 * The canary step of an event, checked against the run and the function's own
 * configuration: the state must be this run's, on the configured canary topic and the
 * canary's own group. The state travels through the state machine's data, where a hand
 * or a bug could change it; without the check a slice would produce to, and move the
 * offsets of, whatever topic and group it named (an application's `orders` /
 * `orders-app`).
 */
export function readCanaryStepFor(
  what: string,
  event: unknown,
  run: RunInput,
  cluster: ClusterConfig,
): CanaryStep {
  const step = readCanaryStep(what, event);
  const { state } = step;
  const mismatch = (field: string, got: string, expected: string, why: string): never => {
    throw new InputError(
      `${what}: field canary.state.${field} is ${show(got)}, not ${show(expected)}: ${why}. Nothing was sent or consumed.`,
    );
  };
  if (state.runId !== run.runId) {
    mismatch('runId', state.runId, run.runId, 'the state belongs to another run');
  }
  if (state.topic !== cluster.canary.topic) {
    mismatch(
      'topic',
      state.topic,
      cluster.canary.topic,
      `this function's configuration names the canary topic of cluster ${cluster.name}`,
    );
  }
  const group = defaultGroup(cluster.canary.topic);
  if (state.group !== group) {
    mismatch('group', state.group, group, 'the canary consumes in its own group only');
  }
  return step;
}

export function readCanaryStep(what: string, event: unknown): CanaryStep {
  const canary = new EventReader(what, event).object('canary');
  const rawState = canary.raw('state');
  let state: SliceState;
  try {
    state = parseState(JSON.stringify(rawState ?? null));
  } catch (error) {
    throw new InputError(`${what}: field canary.state: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    state,
    phase: state.phase,
    nextPart: canary.integer('nextPart', 0),
    upgradeOver: canary.raw('upgradeOver') === true,
    anomalySent: canary.raw('anomalySent') === true,
  };
}

/**
 * A CloudWatch alarm's state change as EventBridge delivers it (source `aws.cloudwatch`,
 * detail-type `CloudWatch Alarm State Change`; CloudWatch User Guide, "Alarm events and
 * EventBridge"), the fields notify tells.
 */
export interface AlarmStateChange {
  readonly alarmName: string;
  readonly region: string;
  /** `metric`: one metric against a threshold; `composite`: a rule over other alarms. */
  readonly type: 'metric' | 'composite';
  readonly description: string | undefined;
  readonly state: AlarmState;
  readonly previousState: string;
  /** A metric alarm's metric; undefined for a composite alarm. */
  readonly metric?: {
    readonly namespace: string;
    readonly name: string;
    readonly dimensions: Readonly<Record<string, string>>;
  };
  /** A composite alarm's rule, e.g. `ALARM("a") OR ALARM("b")`. */
  readonly alarmRule?: string;
  /** A composite alarm's children that made it change (names, from the ARNs). */
  readonly triggeringAlarms: readonly string[];
}

export interface AlarmState {
  readonly value: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly reason: string;
  /** When the alarm changed, ISO 8601. */
  readonly timestamp: string;
  /** A metric alarm's threshold and the datapoints it judged, from `reasonData`. */
  readonly threshold?: number;
  readonly datapoints: readonly number[];
}

const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
export const ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';

/** `reasonData` is JSON in a string; a reason without it (or unreadable) gives nothing. */
function reasonData(text: string | undefined): Json {
  if (text === undefined) return {};
  try {
    const data: unknown = JSON.parse(text);
    return isObject(data) ? data : {};
  } catch {
    return {};
  }
}

function readAlarmState(what: string, state: EventReader, path: string): AlarmState {
  const value = state.string('value');
  if (!ALARM_STATES.includes(value)) {
    throw new InputError(
      `${what}: field ${path}.value must be one of ${ALARM_STATES.join(', ')}, got ${show(value)}`,
    );
  }
  const data = reasonData(state.optionalString('reasonData'));
  const numbers = (v: unknown): number[] =>
    Array.isArray(v) ? v.filter((n): n is number => typeof n === 'number') : [];
  return {
    value: value as AlarmState['value'],
    reason: state.optionalString('reason') ?? '(CloudWatch gave no reason)',
    timestamp: state.string('timestamp'),
    ...(typeof data.threshold === 'number' ? { threshold: data.threshold } : {}),
    datapoints: numbers(data.recentDatapoints),
  };
}

/** Reads a `CloudWatch Alarm State Change` event; InputError naming the field otherwise. */
export function readAlarmStateChange(what: string, event: unknown): AlarmStateChange {
  const r = new EventReader(what, event);
  r.string('source', /^aws\.cloudwatch$/, '"aws.cloudwatch"');
  r.string('detail-type', /^CloudWatch Alarm State Change$/, `"${ALARM_DETAIL_TYPE}"`);
  const detail = r.object('detail');
  const configuration = detail.object('configuration');
  const metrics = configuration.raw('metrics');
  const alarmRule = configuration.optionalString('alarmRule');
  if (metrics === undefined && alarmRule === undefined) {
    throw new InputError(
      `${what}: field detail.configuration must have metrics (a metric alarm) or alarmRule (a composite alarm), got neither`,
    );
  }
  const state = readAlarmState(what, detail.object('state'), 'detail.state');
  const base = {
    alarmName: detail.string('alarmName'),
    region: r.string('region'),
    description: configuration.optionalString('description'),
    state,
    previousState: detail.object('previousState').string('value'),
  };
  if (alarmRule !== undefined) {
    const data = reasonData(detail.object('state').optionalString('reasonData'));
    const triggering = Array.isArray(data.triggeringAlarms) ? data.triggeringAlarms : [];
    return {
      ...base,
      type: 'composite',
      alarmRule,
      triggeringAlarms: triggering.flatMap((t) =>
        isObject(t) && typeof t.arn === 'string' ? [t.arn.replace(/^.*?:alarm:/, '')] : [],
      ),
    };
  }
  const list = configuration.array('metrics');
  const returned = list.findIndex((m) => isObject(m) && m.returnData !== false);
  if (returned < 0) {
    throw new InputError(`${what}: field detail.configuration.metrics must hold a metric, got []`);
  }
  const stat = new EventReader(what, list[returned], `detail.configuration.metrics[${returned}]`);
  const metric = stat.object('metricStat').object('metric');
  const dimensions = metric.raw('dimensions') ?? {};
  if (!isObject(dimensions) || Object.values(dimensions).some((v) => typeof v !== 'string')) {
    throw new InputError(
      `${what}: field detail.configuration.metrics[${returned}].metricStat.metric.dimensions must map names to strings, got ${show(dimensions)}`,
    );
  }
  return {
    ...base,
    type: 'metric',
    metric: {
      namespace: metric.string('namespace'),
      name: metric.string('name'),
      dimensions: dimensions as Record<string, string>,
    },
    triggeringAlarms: [],
  };
}
