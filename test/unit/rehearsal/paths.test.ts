import { describe, expect, it } from 'vitest';

import { InputError } from '../../../functions/core/errors.js';
import { cacheRoot, defaultStatePath, kafkaCacheRoot } from '../../../rehearsal/paths.js';

const HOME = '/home/ops';

describe('rehearsal/paths', () => {
  it('puts the cache in ~/.cache/kafka-upgrade-verifier when nothing is set', () => {
    expect(cacheRoot({}, HOME)).toBe('/home/ops/.cache/kafka-upgrade-verifier');
    expect(kafkaCacheRoot({}, HOME)).toBe('/home/ops/.cache/kafka-upgrade-verifier/kafka');
    expect(defaultStatePath({}, HOME)).toBe(
      '/home/ops/.cache/kafka-upgrade-verifier/local-cluster/state.json',
    );
  });

  it('follows an absolute XDG_CACHE_HOME and ignores a relative one', () => {
    expect(cacheRoot({ XDG_CACHE_HOME: '/var/cache/ops' }, HOME)).toBe(
      '/var/cache/ops/kafka-upgrade-verifier',
    );
    expect(cacheRoot({ XDG_CACHE_HOME: 'cache' }, HOME)).toBe(
      '/home/ops/.cache/kafka-upgrade-verifier',
    );
  });

  it('KUV_CACHE_DIR overrides XDG_CACHE_HOME for the jars and the state file', () => {
    const env = { KUV_CACHE_DIR: '/srv/kuv', XDG_CACHE_HOME: '/var/cache/ops' };
    expect(kafkaCacheRoot(env, HOME)).toBe('/srv/kuv/kafka');
    expect(defaultStatePath(env, HOME)).toBe('/srv/kuv/local-cluster/state.json');
  });

  it('KUV_KAFKA_CACHE and KUV_LOCAL_CLUSTER_STATE override one place each', () => {
    const env = {
      KUV_CACHE_DIR: '/srv/kuv',
      KUV_KAFKA_CACHE: '/jars',
      KUV_LOCAL_CLUSTER_STATE: '/s.json',
    };
    expect(kafkaCacheRoot(env, HOME)).toBe('/jars');
    expect(defaultStatePath(env, HOME)).toBe('/s.json');
  });

  it('refuses a relative KUV_CACHE_DIR, naming it', () => {
    expect(() => cacheRoot({ KUV_CACHE_DIR: 'cache' }, HOME)).toThrow(InputError);
    expect(() => cacheRoot({ KUV_CACHE_DIR: 'cache' }, HOME)).toThrow(
      /KUV_CACHE_DIR 'cache' is not an absolute path/,
    );
  });
});
