import { JetStreamManager, NatsError, RetentionPolicy, StorageType, StreamConfig, StreamInfo, nanos } from 'nats';
import {
  AUDIT_STREAM,
  AUDIT_SUBJECT_PREFIX,
  CubeError,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
  NATIVE_AUDIT_STREAM,
  NATIVE_AUDIT_SUBJECT_TOKEN,
} from '@cube/contracts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Names and limits of Cube's two streams. Every name and prefix is configurable so that tests
 * (and several Cube installations on one NATS) can keep their streams apart: streams on one
 * server must not share subjects.
 */
export interface CubeStreamsOptions {
  eventsStream?: string;
  eventsSubjectPrefix?: string;
  /** How long domain events are kept; subscribers further behind than this lose events. */
  eventsMaxAgeMs?: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped by the server (publisher retries). */
  duplicateWindowMs?: number;
  auditStream?: string;
  auditSubjectPrefix?: string;
  /** 0 keeps audit records forever: audit must never be lost to a retention limit. */
  auditMaxAgeMs?: number;
  /** Native audit events Warden forwards (`CUBE_AUDIT_NATIVE`, or `<auditStream>_NATIVE` when the audit stream is renamed). */
  nativeAuditStream?: string;
  /** `cube.audit.native`, or `<auditSubjectPrefix>.native`: Warden publishes on `<prefix>.<cluster>`. */
  nativeAuditSubjectPrefix?: string;
  /** How long forwarded native events stay after the audit service read them: they are on `CUBE_AUDIT` then (default 7 days). */
  nativeAuditMaxAgeMs?: number;
  /** Copies of each stream on a JetStream cluster (`CUBE_JETSTREAM_REPLICAS`); 1 on a single server. Never lowered. */
  replicas?: number;
}

export type ResolvedCubeStreams = Required<CubeStreamsOptions>;

export function resolveCubeStreams(options: CubeStreamsOptions = {}): ResolvedCubeStreams {
  return {
    eventsStream: options.eventsStream ?? EVENTS_STREAM,
    eventsSubjectPrefix: options.eventsSubjectPrefix ?? EVENTS_SUBJECT_PREFIX,
    eventsMaxAgeMs: options.eventsMaxAgeMs ?? 30 * DAY_MS,
    duplicateWindowMs: options.duplicateWindowMs ?? 2 * 60 * 1000,
    auditStream: options.auditStream ?? AUDIT_STREAM,
    auditSubjectPrefix: options.auditSubjectPrefix ?? AUDIT_SUBJECT_PREFIX,
    auditMaxAgeMs: options.auditMaxAgeMs ?? 0,
    nativeAuditStream: options.nativeAuditStream ?? (options.auditStream ? `${options.auditStream}_NATIVE` : NATIVE_AUDIT_STREAM),
    nativeAuditSubjectPrefix:
      options.nativeAuditSubjectPrefix ?? `${options.auditSubjectPrefix ?? AUDIT_SUBJECT_PREFIX}.${NATIVE_AUDIT_SUBJECT_TOKEN}`,
    nativeAuditMaxAgeMs: options.nativeAuditMaxAgeMs ?? 7 * DAY_MS,
    replicas: options.replicas ?? 1,
  };
}

/** What the server may change on an existing stream (storage and retention are fixed at creation). */
type UpdatableStreamConfig = Pick<StreamConfig, 'name' | 'subjects' | 'max_age' | 'duplicate_window' | 'description' | 'num_replicas'>;

/**
 * Creates or updates `CUBE_EVENTS`, `CUBE_AUDIT` and `CUBE_AUDIT_NATIVE`. Idempotent and safe when several services start
 * at once: creating a stream with the very config it already has succeeds on the server.
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  options: CubeStreamsOptions = {},
): Promise<{ events: StreamInfo; audit: StreamInfo; nativeAudit: StreamInfo }> {
  const streams = resolveCubeStreams(options);
  const events = await ensureStream(jsm, {
    name: streams.eventsStream,
    description: 'Cube domain events: a public interface for subscribers',
    subjects: [`${streams.eventsSubjectPrefix}.>`],
    max_age: nanos(streams.eventsMaxAgeMs),
    duplicate_window: nanos(streams.duplicateWindowMs),
    num_replicas: streams.replicas,
  });
  const audit = await ensureStream(
    jsm,
    {
      name: streams.auditStream,
      description: 'Cube audit records of every write, kept without an age limit',
      // `.*`, not `.>`: the audit service's request-reply subjects (`cube.audit.event.list`, four
      // tokens) must stay outside the stream, or JetStream would store and PubAck them. An existing
      // stream on `cube.audit.records.>` is updated in place; its records stay and are still read.
      subjects: [`${streams.auditSubjectPrefix}.*`],
      max_age: nanos(streams.auditMaxAgeMs),
      duplicate_window: nanos(streams.duplicateWindowMs),
      num_replicas: streams.replicas,
    },
    // No client may delete or purge single audit records: tampering would need the stream itself removed.
    { deny_delete: true, deny_purge: true },
  );
  // Members' Warden spools: an event is kept (and deduplicated by its Nats-Msg-Id) until the audit
  // service moved it to CUBE_AUDIT, then for a week to look into; its record on CUBE_AUDIT is the one kept.
  const nativeAudit = await ensureStream(jsm, {
    name: streams.nativeAuditStream,
    description: "Native audit events forwarded by each member cluster's Warden from its disk spool",
    subjects: [`${streams.nativeAuditSubjectPrefix}.*`],
    max_age: nanos(streams.nativeAuditMaxAgeMs),
    duplicate_window: nanos(streams.duplicateWindowMs),
    num_replicas: streams.replicas,
  });
  return { events, audit, nativeAudit };
}

// JetStream API error: "stream name already in use with a different configuration".
const STREAM_NAME_IN_USE = 10058;

async function ensureStream(
  jsm: JetStreamManager,
  config: UpdatableStreamConfig,
  fixedAtCreation: Pick<Partial<StreamConfig>, 'deny_delete' | 'deny_purge'> = {},
): Promise<StreamInfo> {
  let info: StreamInfo;
  try {
    try {
      info = await jsm.streams.add({
        ...config,
        ...fixedAtCreation,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
      });
    } catch (error: unknown) {
      if (!(error instanceof NatsError) || error.api_error?.err_code !== STREAM_NAME_IN_USE) throw error;
      // The stream exists with an older config (another version of Cube made it): bring it up to date.
      // Never to fewer replicas: a process started without the setting (a Warden in a member cluster)
      // must not shrink the control plane's R3 streams to one copy.
      const { name, ...update } = config;
      const existing = await jsm.streams.info(name);
      update.num_replicas = Math.max(existing.config.num_replicas ?? 1, config.num_replicas ?? 1);
      info = await jsm.streams.update(name, update);
    }
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CubeError('UNAVAILABLE', `could not set up JetStream stream ${config.name}: ${reason}`, {
      stream: config.name,
    });
  }
  // Storage and retention cannot be updated in place; a stream made otherwise by hand would lose events.
  if (info.config.storage !== StorageType.File || info.config.retention !== RetentionPolicy.Limits) {
    throw new CubeError(
      'UNAVAILABLE',
      `JetStream stream ${config.name} exists with ${info.config.storage} storage and ${info.config.retention} ` +
        'retention; Cube needs file storage and limits retention: move its messages and delete it',
      { stream: config.name },
    );
  }
  return info;
}
