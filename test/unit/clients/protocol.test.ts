import { describe, expect, it } from 'vitest';

import { TextLines, parseClientLine } from '../../../clients/protocol.js';

describe('parseClientLine', () => {
  it('reads a record line: partition, offset, the value with everything after the second tab', () => {
    expect(parseClientLine('3\t1207\t{"runId":"r-1","seq":4}')).toEqual({
      kind: 'record',
      partition: 3,
      offset: 1207,
      value: '{"runId":"r-1","seq":4}',
    });
    expect(parseClientLine('0\t5\ta\tb\r')).toMatchObject({ kind: 'record', value: 'a\tb' });
    expect(parseClientLine('0\t5\t')).toMatchObject({ kind: 'record', value: '' });
  });

  it('reads event lines', () => {
    expect(parseClientLine('# rebalance assigned=3')).toEqual({
      kind: 'rebalance',
      text: 'assigned=3',
    });
    expect(parseClientLine('# error broker down')).toEqual({ kind: 'error', text: 'broker down' });
    expect(parseClientLine('#started')).toEqual({ kind: 'event', text: 'started' });
  });

  it('reads a producer’s sent, acked and failed lines; one with a field that is not a whole number is noise', () => {
    expect(parseClientLine('# sent 2 41 1763900001000 1763900001003')).toEqual({
      kind: 'sent',
      partition: 2,
      seq: 41,
      scheduledAt: 1763900001000,
      sentAt: 1763900001003,
    });
    expect(parseClientLine('# acked 2 41 1207 1763900001012\r')).toEqual({
      kind: 'acked',
      partition: 2,
      seq: 41,
      offset: 1207,
      ackedAt: 1763900001012,
    });
    expect(parseClientLine('# failed 2 42 1763900031100 Local: Message timed out')).toEqual({
      kind: 'failed',
      partition: 2,
      seq: 42,
      failedAt: 1763900031100,
      error: 'Local: Message timed out',
    });
    expect(parseClientLine('# failed 2 42 1763900031100')).toMatchObject({
      error: 'no error text',
    });
    for (const bad of [
      '# sent 2 41 1763900001000',
      '# sent 2 41 1763900001000 1763900001003 9',
      '# acked 2 -1 1207 1763900001012',
      '# acked 2 x 1207 1763900001012',
      '# failed 2 42',
      '# sent 2 41 99999999999999999999 1',
    ]) {
      expect(parseClientLine(bad), bad).toEqual({ kind: 'noise', text: bad });
    }
  });

  it('reads settings and ready lines; a settings line that is not a JSON object stays an event', () => {
    expect(parseClientLine('# ready')).toEqual({ kind: 'ready' });
    expect(parseClientLine('# ready now')).toEqual({ kind: 'event', text: 'ready now' });
    expect(
      parseClientLine('# settings {"enable.auto.commit":"true","auto.commit.interval.ms":5000}'),
    ).toEqual({
      kind: 'settings',
      settings: { 'enable.auto.commit': 'true', 'auto.commit.interval.ms': '5000' },
    });
    expect(parseClientLine('# settings [1]')).toEqual({ kind: 'event', text: 'settings [1]' });
    expect(parseClientLine('# settings {oops')).toEqual({ kind: 'event', text: 'settings {oops' });
  });

  it('counts anything else as noise, never throws', () => {
    for (const line of [
      'INFO hello',
      '-1\t3\tx',
      '1\tx\ty',
      '1\t2',
      '99999999999999999999\t1\tv',
    ]) {
      expect(parseClientLine(line).kind, line).toBe('noise');
    }
    expect(parseClientLine('  ')).toEqual({ kind: 'blank' });
  });
});

describe('TextLines', () => {
  it('keeps a partial line until its newline arrives, and gives it at the end', () => {
    const s = new TextLines();
    expect(s.push('0\t1\ta\n0\t2')).toEqual(['0\t1\ta']);
    expect(s.push('\tb\n')).toEqual(['0\t2\tb']);
    expect(s.push('tail')).toEqual([]);
    expect(s.end()).toEqual(['tail']);
    expect(s.end()).toEqual([]);
  });
});
