import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { ensureStreams } from '@cube/messaging';
import { PrivateNatsServer, until } from '@cube/messaging/testing';
import { AuditForwarder } from './audit-forwarder';
import { AuditSpool } from './audit-spool';

const event = (n: number) => ({ auditID: `id-${n}`, stage: 'ResponseComplete', verb: 'create', objectRef: { name: `cm-${n}` } });
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => event(from + i));

// The forwarder against a nats-server of its own, stopped and restarted under it.
describe('AuditForwarder', () => {
  let nats: PrivateNatsServer;
  let nc: NatsConnection;
  let stateDir: string;

  /** The events on the stream, in stream order, by their Nats-Msg-Id. */
  const onStream = async (): Promise<string[]> => {
    const jsm = await nc.jetstreamManager();
    const { state } = await jsm.streams.info('CUBE_AUDIT_NATIVE');
    const ids: string[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await jsm.streams.getMessage('CUBE_AUDIT_NATIVE', { seq });
      expect(message.subject).toBe('cube.audit.native.member-a');
      ids.push(message.header.get('Nats-Msg-Id'));
    }
    return ids;
  };

  beforeEach(async () => {
    nats = await PrivateNatsServer.start();
    nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    await ensureStreams(await nc.jetstreamManager());
    stateDir = await mkdtemp(join(tmpdir(), 'cube-audit-forwarder-'));
  });

  afterEach(async () => {
    await nc?.close();
    await nats?.remove();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('forwards what an earlier run left and what arrives, in order, once each, keeping it on disk while NATS is down', async () => {
    const spool = await AuditSpool.open(stateDir);
    await spool.append(range(0, 300));
    const forwarder = new AuditForwarder(spool, nc.jetstream(), {
      cluster: 'member-a',
      window: 50,
      ackTimeoutMs: 500,
      maxRetryDelayMs: 200,
    });
    forwarder.start();
    try {
      await until('the first 300 forwarded', () => spool.bytes === 0);
      await nats.stop();
      // The outage: batches keep arriving and stay on disk.
      for (let i = 300; i < 500; i += 40) await spool.append(range(i, i + 40));
      expect(spool.bytes).toBeGreaterThan(0);
      await nats.restart();
      await until('the spool drained after the outage', () => spool.bytes === 0, 30_000);
    } finally {
      await forwarder.stop();
    }
    expect(await onStream()).toEqual(range(0, 500).map((e) => e.auditID));
    expect(forwarder.forwarded).toBeGreaterThanOrEqual(500);
  }, 60_000);

  it('after a restart sends again only from the committed cursor, and JetStream drops what it already holds', async () => {
    const first = await AuditSpool.open(stateDir);
    await first.append(range(0, 100));
    // Forwarded by an earlier run that died before committing the second window.
    const batch = await first.next(60);
    const js = nc.jetstream();
    for (const e of batch?.events ?? []) await js.publish('cube.audit.native.member-a', Buffer.from(e.json), { msgID: e.id });
    const spool = await AuditSpool.open(stateDir);
    const forwarder = new AuditForwarder(spool, js, { cluster: 'member-a', window: 50 });
    forwarder.start();
    try {
      await until('the spool drained', () => spool.bytes === 0);
    } finally {
      await forwarder.stop();
    }
    expect(await onStream()).toEqual(range(0, 100).map((e) => e.auditID));
  }, 60_000);
});
