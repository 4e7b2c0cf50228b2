import { StartupRetry } from './startup-retry';

describe('StartupRetry', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function logger() {
    return { debug: jest.fn(), warn: jest.fn() };
  }

  /** Lets the attempt's promise settle, then fires the next retry timer. */
  async function nextAttempt(): Promise<void> {
    await jest.advanceTimersToNextTimerAsync();
  }

  it('retries with doubling delays, quietly during the grace period, and warns after it', async () => {
    const log = logger();
    const retry = new StartupRetry(log, 'list role bindings', {
      initialMs: 100,
      maxMs: 400,
      graceMs: 1000,
    });
    const failure = new Error('the identity service did not list role bindings: 503');
    let calls = 0;
    const task = jest.fn(async () => {
      calls += 1;
      if (calls < 8) throw failure;
    });

    retry.run(task);
    for (let i = 0; i < 8; i += 1) await nextAttempt();

    expect(task).toHaveBeenCalledTimes(8);
    // Failures at 0, 100, 300 and 700 ms fall inside the 1 s grace period; those at 1.1, 1.5, 1.9 s do not.
    expect(log.debug.mock.calls).toEqual(
      [100, 200, 400, 400].map((retryInMs, index) => [
        { err: failure, attempt: index + 1, retryInMs },
        'list role bindings not possible yet; retrying',
      ]),
    );
    expect(log.warn.mock.calls).toEqual(
      [5, 6, 7].map((attempt) => [
        { err: failure, attempt, retryInMs: 400 },
        expect.stringMatching(/^still cannot list role bindings after [12] s; retrying$/),
      ]),
    );
    expect(jest.getTimerCount()).toBe(0);
  });

  it('warns of nothing when the peer answers within the grace period', async () => {
    const log = logger();
    const retry = new StartupRetry(log, 'resynchronise the desired state', {
      initialMs: 100,
      maxMs: 400,
      graceMs: 30_000,
    });
    let calls = 0;
    retry.run(async () => {
      calls += 1;
      if (calls < 3) throw new Error('503');
    });
    await nextAttempt();
    await nextAttempt();
    await nextAttempt();

    expect(calls).toBe(3);
    expect(log.debug).toHaveBeenCalledTimes(2);
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('stops retrying at shutdown', async () => {
    const log = logger();
    const retry = new StartupRetry(log, 'x', {
      initialMs: 100,
      maxMs: 400,
      graceMs: 30_000,
    });
    const task = jest.fn(async () => {
      throw new Error('503');
    });
    retry.run(task);
    await jest.advanceTimersByTimeAsync(0);
    retry.stop();
    await jest.advanceTimersByTimeAsync(10_000);

    expect(task).toHaveBeenCalledTimes(1);
  });
});
