import { describe, expect, it } from 'vitest';

import {
  MetadataUnavailableError,
  isInternalTopic,
  kafkajsMetadataSource,
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
