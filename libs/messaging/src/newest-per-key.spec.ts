import { NewestPerKey } from './newest-per-key';

describe('NewestPerKey', () => {
  it('runs one value per key at a time, keys side by side, and of the values that waited only the newest', async () => {
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const queue = new NewestPerKey<string>(
      (value) =>
        new Promise<void>((resolve) => {
          started.push(value);
          finish.set(value, resolve);
        }),
    );
    const first = queue.submit('east', 'east-1');
    void queue.submit('east', 'east-2');
    void queue.submit('east', 'east-3');
    const west = queue.submit('west', 'west-1');
    expect(started).toEqual(['east-1', 'west-1']);
    finish.get('west-1')?.();
    await west;
    finish.get('east-1')?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['east-1', 'west-1', 'east-3']);
    finish.get('east-3')?.();
    await first;
    // Nothing waits any more: the next value runs at once.
    void queue.submit('east', 'east-4');
    expect(started).toEqual(['east-1', 'west-1', 'east-3', 'east-4']);
  });

  it('goes on with the value that waited behind a failed one, and never runs an older one after a newer', async () => {
    const seen: number[] = [];
    let failNext = true;
    let release: () => void = () => undefined;
    const queue = new NewestPerKey<number>(async (value) => {
      seen.push(value);
      if (value === 1) await new Promise<void>((resolve) => (release = resolve));
      if (failNext) {
        failNext = false;
        throw new Error('database away');
      }
    });
    const first = queue.submit('k', 1);
    void queue.submit('k', 2);
    release();
    await expect(first).rejects.toThrow('database away');
    await queue.submit('k', 3);
    expect(seen).toEqual([1, 2, 3]);
  });
});
