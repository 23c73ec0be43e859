import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../functions/core/errors.js';
import {
  MetadataUnavailableError,
  isInternalTopic,
  kafkajsMetadataSource,
  parseTopicList,
  topicOffsetsOf,
} from '../../../functions/core/probe/metadata.js';

describe('kafkajsMetadataSource', () => {
  it('answers a bootstrap of IPv6 literals only with MetadataUnavailableError, without connecting', async () => {
    const source = kafkajsMetadataSource({ connection: { bootstrap: '[::1]:9092' } });
    await expect(source.fetch('all')).rejects.toThrow(MetadataUnavailableError);
    await expect(source.fetch('all')).rejects.toThrow(/cannot bootstrap from an IPv6 literal/);
    await source.close();
  });
});

describe('isInternalTopic', () => {
  it('treats Kafka’s __ topics as internal and others not', () => {
    expect(isInternalTopic('__consumer_offsets')).toBe(true);
    expect(isInternalTopic('_schemas')).toBe(false);
    expect(isInternalTopic('canary')).toBe(false);
  });
});

describe('parseTopicList (--topics)', () => {
  it('takes comma-separated topic names, trimmed, duplicates dropped, in order', () => {
    expect(parseTopicList('--topics', 'orders, payments.v2,orders,_x-1')).toEqual([
      'orders',
      'payments.v2',
      '_x-1',
    ]);
  });

  it.each([
    ['orders,,payments', /--topics "orders,,payments": an empty topic name/],
    ['', /--topics "": an empty topic name/],
    ['orders,pay ments', /--topics: "pay ments" is not a Kafka topic name/],
    ['..', /--topics: "\.\." is not a Kafka topic name/],
    ['x'.repeat(250), /is not a Kafka topic name \(1–249/],
  ])('refuses %j with a UsageError naming the flag and the name', (text, message) => {
    expect(() => parseTopicList('--topics', text)).toThrow(UsageError);
    expect(() => parseTopicList('--topics', text)).toThrow(message);
  });
});

describe('topicOffsetsOf', () => {
  it('gives each partition its end offset (ListOffsets latest), sorted by partition', () => {
    expect(
      topicOffsetsOf('orders', [
        { partition: 1, high: '98012' },
        { partition: 0, high: '120455' },
      ]),
    ).toEqual({
      topic: 'orders',
      partitions: [
        { partition: 0, end: 120455 },
        { partition: 1, end: 98012 },
      ],
    });
  });

  it('refuses an end offset that is not a whole number ≥ 0, naming the topic and partition', () => {
    expect(() => topicOffsetsOf('orders', [{ partition: 3, high: '-1' }])).toThrow(
      'ListOffsets gave partition 3 of orders the end offset "-1"',
    );
  });
});
