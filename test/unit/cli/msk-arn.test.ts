/**
 * `analyze`/`report --msk-arn ARN` (bin/msk-metrics.ts): the flag is checked before any
 * history is read, naming itself and the shape it wants. What it reads is tested against
 * moto in test/integration/aws/verify-msk-brokers.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { parseAnalyzeArgs } from '../../../bin/commands/analyze.js';
import { UsageError } from '../../../functions/core/errors.js';

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/prod-orders/6357e0b2-0e6a-4b86-a0b4-5';

describe('--msk-arn', () => {
  it('takes an MSK cluster ARN, and is null without the flag', () => {
    expect(parseAnalyzeArgs(['h.jsonl', '--msk-arn', ARN])).toMatchObject({ mskArn: ARN });
    expect(parseAnalyzeArgs(['h.jsonl'])).toMatchObject({ mskArn: null });
  });

  it.each([
    'prod-orders',
    'arn:aws:kafka:eu-west-1:123456789012:topic/prod-orders/6357e0b2/t',
    'arn:aws:kafka:eu-west-1:12345:cluster/prod-orders/6357e0b2',
  ])('refuses %s, naming the flag and the shape', (value) => {
    const parse = () => parseAnalyzeArgs(['h.jsonl', '--msk-arn', value]);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(
      `analyze: --msk-arn must be an MSK cluster ARN, arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID, not '${value}'`,
    );
  });
});
