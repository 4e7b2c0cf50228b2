import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Cube's own Prometheus metrics: one registry per process, every metric family Cube registers is
 * made here (the Grafana dashboard's spec checks its expressions against this catalogue). Labels are
 * bounded: route templates, subjects of the contracts, error codes, stream/consumer and cluster names;
 * never user names, ids or raw paths.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Outcome of a request handled over NATS: `ok`, or `error` with the error code as `reason`. */
export type RequestOutcome = { outcome: 'ok' } | { outcome: 'error'; reason: string };

export class CubeMetrics {
  readonly registry = new Registry();
  /** HTTP requests of the gateway by method, route template (`/api/v1/tenants/:tenant`) and status code. */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Requests a service answered over NATS, by subject, outcome and error code. */
  readonly natsRequests: Counter<'subject' | 'outcome' | 'reason'>;
  readonly natsRequestDuration: Histogram<'subject' | 'outcome'>;

  /** `labels` are added to every sample besides `service` (Warden adds its `cluster`). */
  constructor(service: string, labels: Record<string, string> = {}) {
    this.registry.setDefaultLabels({ service, ...labels });
    collectDefaultMetrics({ register: this.registry });
    this.httpRequestDuration = new Histogram({
      name: 'cube_http_request_duration_seconds',
      help: 'Duration of HTTP requests handled by the gateway, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
    this.natsRequests = new Counter({
      name: 'cube_nats_requests_total',
      help: 'Requests answered over NATS, by subject, outcome (ok, error) and error code (reason)',
      labelNames: ['subject', 'outcome', 'reason'],
      registers: [this.registry],
    });
    this.natsRequestDuration = new Histogram({
      name: 'cube_nats_request_duration_seconds',
      help: 'Time from receiving a NATS request to publishing its reply, by subject and outcome',
      labelNames: ['subject', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** Counts one request answered over NATS on `subject` (the handler's pattern, never a raw subject with ids). */
  observeNatsRequest(subject: string, result: RequestOutcome, seconds: number): void {
    this.natsRequests.inc(result.outcome === 'ok' ? { subject, outcome: 'ok' } : { subject, outcome: 'error', reason: result.reason });
    this.natsRequestDuration.observe({ subject, outcome: result.outcome }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * Sets a gauge from `read` at every scrape. A failing read (database away) leaves the gauge without
 * samples for that scrape rather than failing the whole scrape: the other metrics still arrive.
 */
function scrapedGauge<L extends string, T>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
  read: () => Promise<T[]>,
  sample: (gauge: Gauge<L>, item: T) => void,
): Gauge<L> {
  return new Gauge<L>({
    ...config,
    registers: [registry],
    async collect() {
      let items: T[];
      try {
        items = await read();
      } catch {
        items = [];
      }
      this.reset();
      for (const item of items) sample(this, item);
    },
  });
}

/** An outbox: `events` (domain events in the service's PostgreSQL table) or `audit` (records waiting in memory). */
export interface OutboxLag {
  outbox: string;
  pending: number;
  /** Age of the oldest waiting entry; null when none waits. */
  oldestAgeSeconds: number | null;
}

/** `cube_outbox_pending`, `cube_outbox_oldest_age_seconds`: what has not reached JetStream yet. */
export function registerOutboxLag(metrics: CubeMetrics, read: () => Promise<OutboxLag[]>): void {
  let last: Promise<OutboxLag[]> | null = null;
  // Both gauges are read in one scrape: one query answers both.
  const once = () => (last ??= read().finally(() => setImmediate(() => (last = null))));
  scrapedGauge(
    metrics.registry,
    { name: 'cube_outbox_pending', help: 'Entries waiting in an outbox for JetStream, by outbox (events, audit)', labelNames: ['outbox'] },
    once,
    (gauge, lag) => gauge.set({ outbox: lag.outbox }, lag.pending),
  );
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_outbox_oldest_age_seconds',
      help: 'Age of the oldest entry waiting in an outbox (0 when it is empty), by outbox',
      labelNames: ['outbox'],
    },
    once,
    (gauge, lag) => gauge.set({ outbox: lag.outbox }, lag.oldestAgeSeconds ?? 0),
  );
}

/** A durable JetStream consumer of this process and what it has not handled yet. */
export interface ConsumerLag {
  stream: string;
  consumer: string;
  /** Messages in the stream not yet delivered to the consumer (`num_pending`). */
  pending: number;
  /** Messages delivered and not acknowledged yet (`num_ack_pending`). */
  ackPending: number;
}

/** `cube_jetstream_consumer_pending_messages`, `cube_jetstream_consumer_ack_pending_messages`. */
export function registerConsumerLag(metrics: CubeMetrics, read: () => Promise<ConsumerLag[]>): void {
  let last: Promise<ConsumerLag[]> | null = null;
  const once = () => (last ??= read().finally(() => setImmediate(() => (last = null))));
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_jetstream_consumer_pending_messages',
      help: 'Messages of the stream not yet delivered to a durable consumer of this process (num_pending)',
      labelNames: ['stream', 'consumer'],
    },
    once,
    (gauge, lag) => gauge.set({ stream: lag.stream, consumer: lag.consumer }, lag.pending),
  );
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_jetstream_consumer_ack_pending_messages',
      help: 'Messages delivered to a durable consumer of this process and not acknowledged yet (num_ack_pending)',
      labelNames: ['stream', 'consumer'],
    },
    once,
    (gauge, lag) => gauge.set({ stream: lag.stream, consumer: lag.consumer }, lag.ackPending),
  );
}

export const CLUSTER_STATUSES = ['pending', 'normal', 'abnormal', 'unreachable'] as const;

/** A member cluster as the registry of the clusters service holds it. */
export interface ClusterHealth {
  cluster: string;
  status: string;
  /** Time of the last Warden heartbeat; null before the first. */
  lastHeartbeat: Date | null;
  /** Desired objects Warden reported it could not sync in its last heartbeat. */
  syncErrors: number;
}

/** `cube_cluster_status` (1 for the cluster's status, 0 for the others), heartbeat age and reported sync errors. */
export function registerClusterHealth(metrics: CubeMetrics, read: () => Promise<ClusterHealth[]>, now: () => number = Date.now): void {
  let last: Promise<ClusterHealth[]> | null = null;
  const once = () => (last ??= read().finally(() => setImmediate(() => (last = null))));
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_cluster_status',
      help: 'Status of each member cluster: 1 for its current status (pending, normal, abnormal, unreachable), 0 for the others',
      labelNames: ['cluster', 'status'],
    },
    once,
    (gauge, health) => {
      for (const status of CLUSTER_STATUSES) gauge.set({ cluster: health.cluster, status }, health.status === status ? 1 : 0);
    },
  );
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_cluster_heartbeat_age_seconds',
      help: "Seconds since each member cluster's Warden last sent a heartbeat (absent before the first)",
      labelNames: ['cluster'],
    },
    once,
    (gauge, health) => {
      if (health.lastHeartbeat) gauge.set({ cluster: health.cluster }, Math.max(0, (now() - health.lastHeartbeat.getTime()) / 1000));
    },
  );
  scrapedGauge(
    metrics.registry,
    {
      name: 'cube_cluster_sync_errors',
      help: "Desired objects each member cluster's Warden reported it could not sync, in its last heartbeat",
      labelNames: ['cluster'],
    },
    once,
    (gauge, health) => gauge.set({ cluster: health.cluster }, health.syncErrors),
  );
}

/** What Warden's metrics read of its desired-state sync at each scrape. */
export interface WardenSyncState {
  /** Desired objects not applied as desired now (failing, or not reached yet). */
  pendingObjects(): number;
  /** Desired objects whose last attempt failed. */
  failingObjects(): number;
  /** Revision of the desired-state bucket applied last. */
  appliedRevision(): number;
}

/** Warden's desired-state sync: failures counted as they happen, pending and failing objects at each scrape. */
export class WardenSyncMetrics {
  readonly failures: Counter<'operation' | 'reason'>;

  constructor(metrics: CubeMetrics, state: WardenSyncState) {
    const registers = [metrics.registry];
    this.failures = new Counter({
      name: 'cube_warden_sync_failures_total',
      help: "Failed attempts to apply or delete a desired object, by operation and the API server's reason",
      labelNames: ['operation', 'reason'],
      registers,
    });
    new Gauge({
      name: 'cube_warden_desired_objects_pending',
      help: 'Desired objects not applied as currently desired (failing or not reached yet)',
      registers,
      collect() {
        this.set(state.pendingObjects());
      },
    });
    new Gauge({
      name: 'cube_warden_sync_errors',
      help: 'Desired objects whose last apply or delete failed (reported in the heartbeat until they succeed)',
      registers,
      collect() {
        this.set(state.failingObjects());
      },
    });
    new Gauge({
      name: 'cube_warden_applied_revision',
      help: 'Revision of the desired-state bucket Warden applied last',
      registers,
      collect() {
        this.set(state.appliedRevision());
      },
    });
  }
}

/** What Warden's metrics read of its native audit spool at each scrape (running totals since start). */
export interface WardenAuditSpoolState {
  /** Bytes of events on disk waiting to be forwarded. */
  spooledBytes(): number;
  /** Events refused because the spool was full. */
  rejectedEvents(): number;
  /** Events JetStream acknowledged. */
  forwardedEvents(): number;
}

/** Counter read from a running total at each scrape (the spool counts before the Nest application exists). */
function totalCounter(name: string, help: string, registers: Registry[], total: () => number): void {
  let seen = 0;
  new Counter({
    name,
    help,
    registers,
    collect() {
      const now = total();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

/** Warden's native audit spool (issue #22): bytes waiting on disk, events refused when full, events forwarded. */
export function registerWardenAuditSpool(metrics: CubeMetrics, state: WardenAuditSpoolState): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'cube_warden_audit_spool_bytes',
    help: 'Bytes of native audit events in the disk spool, waiting to be forwarded over NATS',
    registers,
    collect() {
      this.set(state.spooledBytes());
    },
  });
  totalCounter(
    'cube_warden_audit_spool_rejected_total',
    'Native audit events refused (HTTP 503 to the kube-apiserver) because the spool was full',
    registers,
    () => state.rejectedEvents(),
  );
  totalCounter('cube_warden_audit_forwarded_total', 'Native audit events JetStream acknowledged from the spool', registers, () =>
    state.forwardedEvents(),
  );
}

/**
 * Every metric name a Cube process may expose, as the Prometheus text format names its samples
 * (histograms as `_bucket`, `_sum`, `_count`): built by registering every family on a scratch registry.
 */
export async function cubeMetricSampleNames(): Promise<Set<string>> {
  const metrics = new CubeMetrics('catalogue');
  const none = () => Promise.resolve([]);
  registerOutboxLag(metrics, none);
  registerConsumerLag(metrics, none);
  registerClusterHealth(metrics, none);
  new WardenSyncMetrics(metrics, { pendingObjects: () => 0, failingObjects: () => 0, appliedRevision: () => 0 });
  registerWardenAuditSpool(metrics, { spooledBytes: () => 0, rejectedEvents: () => 0, forwardedEvents: () => 0 });
  const names = new Set<string>();
  for (const metric of await metrics.registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    if (String(metric.type) === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}
