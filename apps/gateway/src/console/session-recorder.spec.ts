import { CastEvent, RedeemedConsoleSession } from '@cube/contracts';
import { ServiceRequester } from '@cube/messaging';
import { CHUNK_CHARS, SessionRecorder } from './session-recorder';

const session = { id: '00000000-0000-4000-8000-000000000001', recordInput: true } as RedeemedConsoleSession;

function recorderWith(answer: () => Promise<unknown> = () => Promise.resolve(null)) {
  const chunks: { seq: number; events: CastEvent[] }[] = [];
  const bus = {
    request: (_subject: string, envelope: { payload: { seq: number; events: CastEvent[] } }) => {
      chunks.push(envelope.payload);
      return answer();
    },
  } as unknown as ServiceRequester;
  return { recorder: new SessionRecorder(bus, session, 'r1'), chunks };
}

describe('SessionRecorder', () => {
  it('sends every event in order, in chunks of bounded size, and replays the exact output', async () => {
    const { recorder, chunks } = recorderWith();
    const output = `${'\x1b[1mé'.repeat(20_000)}🙂`;
    for (let i = 0; i < output.length; i += 7000) recorder.output(Buffer.from(output.slice(i, i + 7000)));
    recorder.input(Buffer.from('ls\r'));
    recorder.resize(100, 30);
    await recorder.close();
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_c, i) => i));
    for (const chunk of chunks) expect(chunk.events.reduce((n, e) => n + e[2].length, 0)).toBeLessThanOrEqual(CHUNK_CHARS);
    const events = chunks.flatMap((c) => c.events);
    expect(
      events
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join(''),
    ).toBe(output);
    expect(events.filter((e) => e[1] !== 'o')).toEqual([expect.arrayContaining(['i', 'ls\r']), expect.arrayContaining(['r', '100x30'])]);
    expect(recorder.firstSize).toEqual({ cols: 100, rows: 30 });
  });

  it('keeps a character split across frames whole', async () => {
    const { recorder, chunks } = recorderWith();
    const bytes = Buffer.from('é');
    recorder.output(bytes.subarray(0, 1));
    recorder.output(bytes.subarray(1));
    await recorder.close();
    expect(
      chunks
        .flatMap((c) => c.events)
        .map((e) => e[2])
        .join(''),
    ).toBe('é');
  });

  it('leaves keystrokes out when the session does not record input', async () => {
    const chunks: { events: CastEvent[] }[] = [];
    const bus = {
      request: (_t: string, e: { payload: { events: CastEvent[] } }) => (chunks.push(e.payload), Promise.resolve(null)),
    } as unknown as ServiceRequester;
    const recorder = new SessionRecorder(bus, { ...session, recordInput: false }, 'r1');
    recorder.input(Buffer.from('secret\r'));
    recorder.output(Buffer.from('$ '));
    await recorder.close();
    expect(chunks.flatMap((c) => c.events).map((e) => e[1])).toEqual(['o']);
  });

  it('reports a chunk that could not be stored', async () => {
    const { recorder } = recorderWith(() => Promise.reject(new Error('console service away')));
    recorder.output(Buffer.from('x'));
    await expect(recorder.close()).rejects.toThrow('console service away');
    expect(recorder.failed).toBe(true);
  });
});
