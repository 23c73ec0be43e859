import { describe, expect, it } from 'vitest';

import { readHistory } from '../../../functions/core/history/index.js';
import {
  historyChunks,
  listHistoryParts,
  objectExists,
  partKey,
  S3HistorySink,
} from '../../../functions/core/store/s3-history.js';
import { FakeS3 } from './fakes.js';

const run = { bucket: 'store', cluster: 'orders', runId: 'orders-0123' };

describe('the S3 history sink', () => {
  it('writes one gzip part per flush, numbered on from firstPart, and nothing for an empty flush', async () => {
    const s3 = new FakeS3();
    const sink = new S3HistorySink(s3, run, 7);
    sink.write({ type: 'run', runId: 'r', cluster: 'orders', startedAt: 1 });
    await sink.flush();
    await sink.flush();
    sink.write({ type: 'slice', runId: 'r', slice: 1 });
    await sink.close();
    await sink.close();
    expect(sink.written).toEqual([partKey(run, 7), partKey(run, 8)]);
    expect(sink.nextPart).toBe(9);
    expect(partKey(run, 7)).toBe('runs/orders/orders-0123/history/part-0007.jsonl.gz');
    expect(() => sink.write({ type: 'x' })).toThrow(/is closed/);
  });

  it('parts are listed in number order and read back whole, one stream of lines for the analyzer', async () => {
    const s3 = new FakeS3();
    for (const first of [10, 2]) {
      const sink = new S3HistorySink(s3, run, first);
      sink.write({ type: 'run', runId: 'r-1', cluster: 'orders', startedAt: first, endedAt: null });
      await sink.close();
    }
    const parts = await listHistoryParts(s3, run);
    expect(parts.map((k) => k.slice(-16))).toEqual(
      ['0002.jsonl.gz', '0010.jsonl.gz'].map((s) => `part-${s}`.slice(-16)),
    );
    let text = '';
    for await (const chunk of historyChunks(s3, run.bucket, parts)) text += chunk.toString('utf8');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).startedAt),
    ).toEqual([2, 10]);
    const analysis = await readHistory(historyChunks(s3, run.bucket, parts), { source: 's3' });
    expect(analysis.report({ policy: 'strict' }).run?.runId).toBe('r-1');
  });

  it('keys carry the attempt token; parts list by number, then attempt, old names included', async () => {
    const s3 = new FakeS3();
    for (const [first, attempt] of [
      [3, 'b2'],
      [3, 'a1'],
      [2, undefined],
      [10, 'a1'],
    ] as const) {
      const sink = new S3HistorySink(s3, run, first, attempt);
      sink.write({ type: 'slice', runId: 'r', slice: first });
      await sink.close();
    }
    expect((await listHistoryParts(s3, run)).map((k) => k.split('/').at(-1))).toEqual([
      'part-0002.jsonl.gz',
      'part-0003-a1.jsonl.gz',
      'part-0003-b2.jsonl.gz',
      'part-0010-a1.jsonl.gz',
    ]);
    expect(() => new S3HistorySink(s3, run, 0, 'Not/A-token')).toThrow(/attempt token/);
  });

  it('a damaged part is an error naming it', async () => {
    const s3 = new FakeS3();
    s3.objects.set(`store/${partKey(run, 0)}`, Buffer.from('not gzip'));
    const read = async () => {
      for await (const _ of historyChunks(s3, 'store', [partKey(run, 0)])) void _;
    };
    await expect(read()).rejects.toThrow(/part-0000\.jsonl\.gz is not valid gzip/);
  });

  it('objectExists: true, false for a missing key, as S3 answers a caller whose ListBucket is limited to the markers', async () => {
    // The deployed canary-slice may list upgrades/<cluster>/ only: S3 then answers
    // HeadObject of a missing marker with 403, which a HeadObject check took for an error.
    const s3 = new FakeS3(['upgrades/orders/']);
    s3.objects.set('store/upgrades/orders/x/finished.json', Buffer.from('{}'));
    s3.objects.set('store/upgrades/orders/x/finished.json.old', Buffer.from('{}'));
    expect(await objectExists(s3, 'store', 'upgrades/orders/x/finished.json')).toBe(true);
    expect(await objectExists(s3, 'store', 'upgrades/orders/y/finished.json')).toBe(false);
    expect(await objectExists(s3, 'store', 'upgrades/orders/x/finished')).toBe(false);
    await expect(objectExists(s3, 'store', 'upgrades/payments/x/finished.json')).rejects.toThrow(
      /could not check s3:\/\/store\/upgrades\/payments\/x\/finished\.json \(AccessDenied/,
    );
  });
});
