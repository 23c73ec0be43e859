import { describe, expect, it } from 'vitest';

import {
  blockLine,
  readinessMonitor,
  readinessRecord,
} from '../../../functions/core/readiness/records.js';
import type { Finding } from '../../../functions/core/readiness/rules.js';
import type { HistoryRecordOut } from '../../../functions/core/probe/monitor.js';

const rf1: Finding = {
  severity: 'block',
  rule: 'replication-factor-1',
  subject: { topic: 'orders', partition: 2 },
  measured: 'replication factor 1 on 3 partition(s)',
  change: 'raise the replication factor to 3',
};

describe('readiness records', () => {
  it('carries the finding, its subject flattened, as a readiness record', () => {
    expect(readinessRecord(rf1, 1_700_000_000_000)).toEqual({
      type: 'readiness',
      severity: 'block',
      rule: 'replication-factor-1',
      topic: 'orders',
      partition: 2,
      value: 'replication factor 1 on 3 partition(s)',
      advice: 'raise the replication factor to 3',
      at: 1_700_000_000_000,
    });
  });

  it('says a block finding does not stop the run', () => {
    expect(blockLine(rf1)).toBe(
      'READINESS BLOCK replication-factor-1 topic orders partition 2: replication factor 1 on 3 partition(s); the run still measures what the upgrade does',
    );
  });

  it('notes a cluster it cannot read and writes no record, so the run goes on', async () => {
    const notes: string[] = [];
    const records: HistoryRecordOut[] = [];
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const monitor = readinessMonitor(
      { bootstrap: '127.0.0.1:1', config: { retry: { retries: 0 } } },
      [],
      (l) => notes.push(l),
    );
    await monitor.baseline((r) => records.push(r));
    expect(records).toEqual([]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^readiness check skipped: .*127\.0\.0\.1:1.*run kafka-upgrade-verifier preflight/,
    );
  });
});
