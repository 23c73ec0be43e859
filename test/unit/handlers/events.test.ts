import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { baseline } from '../../../functions/baseline/handler.js';
import { canarySlice } from '../../../functions/canary-slice/handler.js';
import { readCanaryStep, readRunInput } from '../../../functions/commons/events.js';
import { runId, upgradeHash, finishedMarkerKey } from '../../../functions/core/config/events.js';
import { InputError } from '../../../functions/core/errors.js';
import { reachability } from '../../../functions/reachability/handler.js';
import { verify } from '../../../functions/verify/handler.js';
import { clusterEnv, FakeS3, lambdaContext } from './fakes.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/events', `${name}.json`), 'utf8'),
  );

describe('sample events (test/fixtures/events)', () => {
  it('the run input follows the contract: names derived as start-run derives them', () => {
    const run = readRunInput('baseline', fixture('baseline'));
    expect(run.upgradeHash).toBe(upgradeHash(run.upgradeKey));
    expect(run.runId).toBe(runId(run.cluster, run.upgradeKey));
    expect(run.finishedMarker.key).toBe(finishedMarkerKey(run.cluster, run.upgradeKey));
  });

  it('canary-slice and reachability samples carry a usable canary state', () => {
    expect(readCanaryStep('canary-slice', fixture('canary-slice')).phase).toBe('canary');
    expect(readCanaryStep('reachability', fixture('reachability')).phase).toBe('done');
  });
});

describe('a malformed event is refused with a message naming the field', () => {
  const deps = { s3: new FakeS3(), bucket: 'b', env: clusterEnv() };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each case spoils one field of a JSON sample
  type Spoil = (e: any) => void;
  const cases: Array<[string, (e: unknown) => Promise<unknown>, string, Spoil, RegExp]> = [
    [
      'baseline',
      (e) => baseline(e, lambdaContext(), deps),
      'baseline',
      (e) => delete e.runId,
      /field runId/,
    ],
    [
      'baseline',
      (e) => baseline(e, lambdaContext(), deps),
      'baseline',
      (e) => (e.trigger.kind = 'cron'),
      /field trigger\.kind/,
    ],
    [
      'baseline',
      (e) => baseline(e, lambdaContext(), deps),
      'baseline',
      (e) => (e.finishedMarker = 'x'),
      /field finishedMarker/,
    ],
    [
      'baseline',
      (e) => baseline(e, lambdaContext(), deps),
      'baseline',
      (e) => (e.upgradeHash = 'XYZ'),
      /field upgradeHash/,
    ],
    [
      'canary-slice',
      (e) => canarySlice(e, lambdaContext(), { ...deps, sliceMs: 1000 }),
      'canary-slice',
      (e) => delete e.canary.nextPart,
      /field canary\.nextPart/,
    ],
    [
      'canary-slice',
      (e) => canarySlice(e, lambdaContext(), { ...deps, sliceMs: 1000 }),
      'canary-slice',
      (e) => (e.canary.state.nextSeq = [1]),
      /field canary\.state:.*one entry per partition/,
    ],
    [
      'canary-slice',
      (e) => canarySlice(e, lambdaContext(), { ...deps, sliceMs: 1000 }),
      'canary-slice',
      (e) => (e.canary.state.runId = 'orders-other'),
      /field canary\.state\.runId/,
    ],
    [
      'canary-slice',
      (e) => canarySlice(e, lambdaContext(), { ...deps, sliceMs: 1000 }),
      'canary-slice',
      (e) => (e.canary.state.topic = 'orders'),
      /field canary\.state\.topic is "orders", not "kuv-canary".*Nothing was sent/,
    ],
    [
      'canary-slice',
      (e) => canarySlice(e, lambdaContext(), { ...deps, sliceMs: 1000 }),
      'canary-slice',
      (e) => (e.canary.state.group = 'orders-app'),
      /field canary\.state\.group is "orders-app", not "kuv-canary-group"/,
    ],
    [
      'reachability',
      (e) => reachability(e, lambdaContext(), deps),
      'reachability',
      (e) => (e.canary.state.topic = 'orders'),
      /field canary\.state\.topic is "orders"/,
    ],
    [
      'reachability',
      (e) => reachability(e, lambdaContext(), deps),
      'reachability',
      (e) => delete e.canary,
      /field canary must be a JSON object/,
    ],
    [
      'verify',
      (e) => verify(e, lambdaContext(), { ...deps, cloudWatch: { send: async () => ({}) } }),
      'verify',
      (e) => (e.cluster = 'payments'),
      /field runId must start with the cluster's name/,
    ],
    [
      'verify',
      (e) => verify(e, lambdaContext(), { ...deps, cloudWatch: { send: async () => ({}) } }),
      'verify',
      (e) => (e.cluster = 42),
      /field cluster must be a non-empty string, got 42/,
    ],
  ];
  it.each(cases)('%s: %s', async (_name, call, sample, spoil, message) => {
    const event = structuredClone(fixture(sample));
    spoil(event);
    await expect(call(event)).rejects.toThrow(InputError);
    await expect(call(event)).rejects.toThrow(message);
  });

  it('an event for another cluster is refused by the function of this one', async () => {
    const event = fixture('verify');
    const other = {
      ...deps,
      env: clusterEnv('b:9092', 'payments'),
      cloudWatch: { send: async () => ({}) },
    };
    await expect(verify(event, lambdaContext(), other)).rejects.toThrow(
      /field cluster is "orders", but this function serves cluster "payments"/,
    );
  });

  it('a function without its configuration says which variable is missing', async () => {
    await expect(
      verify(fixture('verify'), lambdaContext(), {
        ...deps,
        env: {},
        cloudWatch: { send: async () => ({}) },
      }),
    ).rejects.toThrow(/KUV_CLUSTER_CONFIG is not set/);
  });

  it('not an object at all', async () => {
    await expect(baseline('hello', lambdaContext(), deps)).rejects.toThrow(
      /baseline: the event must be a JSON object, got "hello"/,
    );
  });
});
