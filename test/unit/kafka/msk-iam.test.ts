/**
 * The MSK IAM token through the real signer with a fixed credentials provider: signed for
 * kafka-cluster:Connect in the right region, handed to kafkajs as `{ value }`, cached, and
 * renewed before it expires (fake clock). No network: presigning is local.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import {
  DEFAULT_REFRESH_MARGIN_MS,
  MskIamTokenError,
  mskIamTokenProvider,
  type AwsCredentials,
} from '../../../functions/core/kafka/msk-iam.js';

const START = Date.UTC(2026, 10, 26, 8, 0, 0);

function decode(token: string): URL {
  expect(token).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

function fixedCredentials(extra: Partial<AwsCredentials> = {}) {
  const calls = { count: 0 };
  const provider = async (): Promise<AwsCredentials> => {
    calls.count += 1;
    return { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG', ...extra };
  };
  return { provider, calls };
}

describe('mskIamTokenProvider', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START, toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs a presigned kafka-cluster:Connect URL for the region, given to kafkajs as { value }', async () => {
    const { provider } = fixedCredentials({ sessionToken: 'session-token' });
    const token = await mskIamTokenProvider({ region: 'eu-west-1', credentials: provider })();
    expect(Object.keys(token)).toEqual(['value']);
    const url = decode(token.value);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      'AKIDEXAMPLE/20261126/eu-west-1/kafka-cluster/aws4_request',
    );
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261126T080000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('session-token');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reuses the token while more than the margin is left, and renews it before it expires', async () => {
    const { provider, calls } = fixedCredentials();
    const next = mskIamTokenProvider({ region: 'us-east-1', credentials: provider });
    const first = (await next()).value;
    vi.setSystemTime(START + 900_000 - DEFAULT_REFRESH_MARGIN_MS - 1000); // 61 s left
    expect((await next()).value).toBe(first);
    expect(calls.count).toBe(1);
    vi.setSystemTime(START + 900_000 - DEFAULT_REFRESH_MARGIN_MS + 1000); // 59 s left
    const second = (await next()).value;
    expect(second).not.toBe(first);
    expect(calls.count).toBe(2);
    expect(decode(second).searchParams.get('X-Amz-Date')).toBe('20261126T081401Z');
  });

  it('signs once for calls that overlap (many connections authenticating at once)', async () => {
    const { provider, calls } = fixedCredentials();
    const next = mskIamTokenProvider({ region: 'us-east-1', credentials: provider });
    const tokens = await Promise.all([next(), next(), next()]);
    expect(new Set(tokens.map((t) => t.value)).size).toBe(1);
    expect(calls.count).toBe(1);
  });

  it('a token lives no longer than its credentials (signer issue #21), and is renewed before they expire', async () => {
    const { provider, calls } = fixedCredentials({ expiration: new Date(START + 120_000) });
    const next = mskIamTokenProvider({ region: 'us-east-1', credentials: provider });
    const first = decode((await next()).value);
    expect(first.searchParams.get('X-Amz-Expires')).toBe('120');
    vi.setSystemTime(START + 61_000);
    await next();
    expect(calls.count).toBe(2);
  });

  it('says what to check when no credentials can be found', async () => {
    const next = mskIamTokenProvider({
      region: 'us-east-1',
      credentials: async () => {
        throw new Error('Could not load credentials from any providers');
      },
    });
    await expect(next()).rejects.toThrow(MskIamTokenError);
    await expect(next()).rejects.toThrow(
      /could not sign an MSK IAM token for us-east-1: Could not load credentials.*kafka-cluster:Connect/,
    );
  });
});
