import { describe, expect, it } from 'vitest';
import { endReasonOf, streamAddress, TerminalStream, type StreamEnd } from './terminal-stream';

/** The parts of a browser WebSocket the stream uses, driven by the test. */
class FakeSocket {
  binaryType = 'blob';
  readyState = 0;
  sent: (string | number[])[] = [];
  closedWith: number | undefined;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  send(data: string | ArrayBufferView | ArrayBuffer) {
    this.sent.push(typeof data === 'string' ? data : [...new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer)]);
  }
  close(code?: number) {
    this.closedWith = code;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverCloses(code: number) {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

function connect() {
  const socket = new FakeSocket();
  const output: string[] = [];
  const ends: StreamEnd[] = [];
  let opened = 0;
  const stream = new TerminalStream(socket as unknown as WebSocket, {
    onOpen: () => opened++,
    onOutput: (bytes) => output.push(new TextDecoder().decode(bytes)),
    onEnd: (end) => ends.push(end),
  });
  return { socket, stream, output, ends, opened: () => opened };
}

describe('TerminalStream', () => {
  it('sends the size once the stream opens, keystrokes as binary frames and a resize as a JSON text frame', () => {
    const { socket, stream, opened } = connect();
    expect(socket.binaryType).toBe('arraybuffer');
    stream.resize(80, 24);
    stream.type('lost');
    expect(socket.sent).toEqual([]);
    socket.open();
    expect(opened()).toBe(1);
    stream.type('echo hi\r');
    stream.resize(80, 24);
    stream.resize(120, 40);
    expect(socket.sent).toEqual([
      '{"type":"resize","cols":80,"rows":24}',
      [...new TextEncoder().encode('echo hi\r')],
      '{"type":"resize","cols":120,"rows":40}',
    ]);
  });

  it('writes binary frames to the terminal and reports the exit code with the close', () => {
    const { socket, output, ends } = connect();
    socket.open();
    socket.onmessage?.({ data: new TextEncoder().encode('hi\r\n').buffer });
    socket.onmessage?.({ data: '{"type":"exit","code":3}' });
    socket.serverCloses(1000);
    socket.serverCloses(1000);
    expect(output).toEqual(['hi\r\n']);
    expect(ends).toEqual([{ code: 1000, reason: 'ended', exitCode: 3, message: undefined }]);
  });

  it("names the gateway's close codes: idle, maximum duration, member failure with its message", () => {
    expect([4001, 4002, 1011, 1007, 1006, 1001, 3999].map(endReasonOf)).toEqual([
      'idle',
      'maxDuration',
      'memberFailed',
      'malformed',
      'connectionLost',
      'goingAway',
      'closed',
    ]);
    const { socket, ends } = connect();
    socket.open();
    socket.onmessage?.({ data: '{"type":"error","message":"the member cluster closed the exec"}' });
    socket.serverCloses(1011);
    expect(ends[0]).toMatchObject({ reason: 'memberFailed', message: 'the member cluster closed the exec' });
  });

  it('closes as the user with 1000, once', () => {
    const { socket, stream } = connect();
    socket.open();
    stream.close();
    expect(socket.closedWith).toBe(1000);
  });

  it('finds the stream on the gateway, or on this page when the gateway URL is empty', () => {
    expect(streamAddress('https://cube.example.org', '/api/v1/console/sessions/s1/stream?ticket=t', 'http://spa')).toBe(
      'wss://cube.example.org/api/v1/console/sessions/s1/stream?ticket=t',
    );
    expect(streamAddress('', '/api/v1/console/sessions/s1/stream?ticket=t', 'http://127.0.0.1:4200')).toBe(
      'ws://127.0.0.1:4200/api/v1/console/sessions/s1/stream?ticket=t',
    );
  });
});
