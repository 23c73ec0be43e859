import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { kafkaAttempts, kafkaErrorName } from '../../../functions/core/canary/kafka-errors.js';

function protocolError(type: string, code: number): KafkaJSProtocolError {
  return new KafkaJSProtocolError({
    message: 'x',
    type,
    code,
    retriable: true,
  } as unknown as Error);
}

describe('the `error` of a failed produce record', () => {
  it('is the protocol error type, looked up through the retry wrapper', () => {
    const inner = protocolError('REQUEST_TIMED_OUT', 7);
    expect(kafkaErrorName(inner)).toBe('REQUEST_TIMED_OUT');
    const wrapped = new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 9, retryTime: 1000 });
    expect(kafkaErrorName(wrapped)).toBe('REQUEST_TIMED_OUT');
    expect(kafkaAttempts(wrapped)).toBe(10);
  });

  it("is the innermost error's name when there is no protocol type", () => {
    const connection = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED', {
      broker: 'broker-2.kafka.test:19092',
    } as never);
    expect(kafkaErrorName(connection)).toBe('KafkaJSConnectionError');
    expect(
      kafkaErrorName(
        new KafkaJSNumberOfRetriesExceeded(connection, { retryCount: 2, retryTime: 1 }),
      ),
    ).toBe('KafkaJSConnectionError');
    expect(kafkaErrorName(new TypeError('boom'))).toBe('TypeError');
    expect(kafkaErrorName('a string')).toBe('Error');
  });

  it('has no attempts when kafkajs did not count them', () => {
    expect(kafkaAttempts(protocolError('NOT_LEADER_OR_FOLLOWER', 6))).toBeUndefined();
    expect(kafkaAttempts(null)).toBeUndefined();
  });
});
