import { describe, expect, it } from 'vitest';

import { ClusterError, VerifierError } from '../../functions/core/errors.js';
import { pause, waitFor, WaitTimeoutError } from '../../functions/core/wait.js';

/** A condition that is false `falseTimes` times, then true; counts its tries. */
function trueAfter(falseTimes: number) {
  let tries = 0;
  return {
    condition: async () => ++tries > falseTimes,
    tries: () => tries,
  };
}

/** The error `wait` rejects with; fails the test if it resolves. */
async function failure<E extends Error = Error>(wait: Promise<void>): Promise<E> {
  return wait.then(
    () => expect.fail('the wait resolved; it should have failed'),
    (error: unknown) => error as E,
  );
}

describe('waitFor', () => {
  it('returns at the first try that is true, trying again every interval until then', async () => {
    const c = trueAfter(3);
    await waitFor(c.condition, { timeoutMs: 10_000, intervalMs: 1, what: 'the fourth try' });
    expect(c.tries()).toBe(4);
  });

  it('tries once even with no time at all, and takes a plain boolean', async () => {
    let tries = 0;
    await waitFor(() => ++tries === 1, { timeoutMs: 0, intervalMs: 1, what: 'anything' });
    expect(tries).toBe(1);
  });

  it('fails on timeout with an error naming what it waited for, after at least two tries', async () => {
    const c = trueAfter(Number.POSITIVE_INFINITY);
    const error = await failure(
      waitFor(c.condition, {
        timeoutMs: 30,
        intervalMs: 5,
        what: 'leaders for every partition of kuv-canary',
      }),
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toBeInstanceOf(VerifierError);
    expect((error as Error).message).toBe(
      'timed out after 30 ms waiting for leaders for every partition of kuv-canary',
    );
    expect((error as WaitTimeoutError).what).toBe('leaders for every partition of kuv-canary');
    // At once, then again at least once at or past the deadline.
    expect(c.tries()).toBeGreaterThanOrEqual(2);
  });

  it('asks a `what` function only on timeout, so it tells the last state seen', async () => {
    let seen = 0;
    let asked = 0;
    const error = await failure(
      waitFor(
        () => {
          seen += 1;
          return false;
        },
        {
          timeoutMs: 20,
          intervalMs: 5,
          what: () => {
            asked += 1;
            return `the count to pass 1000 (last seen ${seen})`;
          },
        },
      ),
    );
    expect(asked).toBe(1);
    expect(error.message).toBe(
      `timed out after 20 ms waiting for the count to pass 1000 (last seen ${seen})`,
    );
    expect(await waitFor(() => true, { timeoutMs: 0, intervalMs: 1, what: () => 'x' })).toBe(
      undefined,
    );
  });

  it("ends at once on the condition's own error, thrown as it is", async () => {
    let tries = 0;
    const exited = new ClusterError('broker 2 exited while starting');
    const error = await failure(
      waitFor(
        () => {
          tries += 1;
          throw exited;
        },
        { timeoutMs: 10_000, intervalMs: 1, what: 'broker 2 to start' },
      ),
    );
    expect(error).toBe(exited);
    expect(tries).toBe(1);
  });

  it('with retryErrors, counts an error as not yet and names the last one on timeout', async () => {
    let tries = 0;
    const error = await failure<WaitTimeoutError>(
      waitFor(
        async () => {
          tries += 1;
          throw new Error(`ECONNREFUSED (try ${tries})`);
        },
        { timeoutMs: 20, intervalMs: 5, what: 'moto_server to answer', retryErrors: true },
      ),
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error.message).toBe(
      `timed out after 20 ms waiting for moto_server to answer (last error: ECONNREFUSED (try ${tries}))`,
    );
    expect((error.cause as Error).message).toBe(`ECONNREFUSED (try ${tries})`);

    let flaky = 0;
    await waitFor(
      () => {
        flaky += 1;
        if (flaky < 3) throw new Error('not yet');
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 1, what: 'a flaky answer', retryErrors: true },
    );
    expect(flaky).toBe(3);
  });

  it("throws what onTimeout makes of the timeout: the caller's own class and advice", async () => {
    const error = await failure<ClusterError>(
      waitFor(() => false, {
        timeoutMs: 0,
        intervalMs: 1,
        what: 'toxiproxy to answer',
        onTimeout: (t) => new ClusterError(`${t.message}; is port 8474 taken?`, { cause: t }),
      }),
    );
    expect(error).toBeInstanceOf(ClusterError);
    expect(error.message).toBe(
      'timed out after 0 ms waiting for toxiproxy to answer; is port 8474 taken?',
    );
    expect(error.cause).toBeInstanceOf(WaitTimeoutError);
  });

  it('refuses a timeout or interval that is not a number ≥ 0, naming both', async () => {
    await expect(
      waitFor(() => true, { timeoutMs: Number.NaN, intervalMs: 5, what: 'x' }),
    ).rejects.toThrow('waitFor: timeoutMs and intervalMs must be numbers ≥ 0, not NaN and 5');
    await expect(waitFor(() => true, { timeoutMs: 5, intervalMs: -1, what: 'x' })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('pause', () => {
  it('ends a long pause when its signal is aborted, before or during it; never rejects', async () => {
    const before = new AbortController();
    before.abort();
    await expect(pause(3_600_000, before.signal)).resolves.toBeUndefined();
    const during = new AbortController();
    const paused = pause(3_600_000, during.signal);
    during.abort();
    await expect(paused).resolves.toBeUndefined();
  });

  it('without a signal is a plain sleep', async () => {
    let done = false;
    const paused = pause(1, undefined).then(() => (done = true));
    expect(done).toBe(false);
    await paused;
    expect(done).toBe(true);
  });
});
