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
