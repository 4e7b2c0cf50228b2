// The stack under fuzz: its fixtures, its callers, and the checks each fuzzed request must pass.
import fc from 'fast-check';
import { Client } from 'pg';
import {
  describe,
  FuzzRequest,
  FuzzResponse,
  OpenApiDocument,
  operationsOf,
  Principal,
  proxyErrorRequest,
  requestFor,
  send,
} from './openapi-fuzz';
import { gatewayClient, until } from '../support';

/**
 * Tables the REST API writes synchronously, in the request's own transaction, with the columns it
 * writes (a whole row unless named). A refused request must leave each exactly as it was. Left out:
 * what a refused request may write by design (login throttle, audit records), what background work
 * writes (outboxes, tenancy's copy of role bindings, usage from heartbeats, a cluster's probed status
 * and heartbeat, signing keys) and single-use login state.
 */
export const WATCHED_TABLES: Record<string, string> = {
  'identity.users': 't',
  'identity.role_bindings': 't',
  'identity.api_tokens': 't',
  'tenancy.tenants': 't',
  'tenancy.projects': 't',
  'tenancy.namespaces': 't',
  'tenancy.tenant_quotas': 't',
  'clusters.clusters': '(t.name, t.display_name, t.description, t.credentials)',
  'audit.cluster_tokens': 't',
};

const OUTBOXES = ['identity.event_outbox', 'tenancy.event_outbox', 'clusters.event_outbox'];
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface FuzzTargetOptions {
  gatewayUrl: string;
  databaseUrl: string;
  adminPassword: string;
  /** A registered member cluster, so namespace and quota requests reach the ledger. */
  cluster?: { name: string; kubeconfig: string };
}

export interface Outcome {
  request: FuzzRequest;
  response: FuzzResponse;
  /** Why the exchange breaks the contract, or undefined. */
  problem?: string;
}

/** Names that exist on the stack under fuzz, mixed into generated path parameters and bodies. */
export const FIXTURES = { tenant: 'fz-tenant', project: 'fz-project', namespace: 'fz-ns', user: 'fz-user', cluster: 'fz-member' } as const;
const UNPRIVILEGED = { name: 'fz-caller', password: 'Fuzz caller passphrase 2026' };

export class FuzzTarget {
  private tokens: Record<Principal, string | undefined> = { admin: undefined, user: undefined, anonymous: undefined };
  private db!: Client;
  private document!: OpenApiDocument;
  private dirty = true;
  /** What the runs reached: statuses seen, and refused writes whose tables were compared. */
  readonly stats = { statuses: new Map<number, number>(), refusedWritesChecked: 0 };
  /** Names the generators mix in: the fixtures, never the two callers (the fuzz would disable or delete them). */
  readonly known: string[] = Object.values(FIXTURES);

  constructor(private readonly options: FuzzTargetOptions) {}

  async start(): Promise<void> {
    this.db = new Client({ connectionString: this.options.databaseUrl });
    await this.db.connect();
    // The fixtures go through the support kit's client; the fuzzed requests through `send` (raw: no URL normalisation).
    const client = gatewayClient(this.options.gatewayUrl);
    this.document = (await client.call('GET', '/api/docs/openapi.json')).body as unknown as OpenApiDocument;
    this.tokens.admin = await client.token('admin', this.options.adminPassword);
    const admin = this.tokens.admin;
    const call = async (method: string, path: string, body: unknown) => {
      const reply = await client.call(method, path, { token: admin, body });
      if (reply.status >= 300 && reply.status !== 409) throw new Error(`fixture ${method} ${path}: ${reply.status} ${reply.text}`);
    };
    await call('POST', '/api/v1/users', UNPRIVILEGED);
    await call('POST', '/api/v1/users', { name: FIXTURES.user, password: 'Fixture user passphrase 2026' });
    this.tokens.user = await client.token(UNPRIVILEGED.name, UNPRIVILEGED.password);
    await call('POST', '/api/v1/tenants', { name: FIXTURES.tenant });
    await call('POST', `/api/v1/tenants/${FIXTURES.tenant}/projects`, { name: FIXTURES.project });
    if (this.options.cluster) {
      await call('POST', '/api/v1/clusters', { name: this.options.cluster.name, kubeconfig: this.options.cluster.kubeconfig });
      this.known.push(this.options.cluster.name);
      await call('PUT', `/api/v1/tenants/${FIXTURES.tenant}/quotas/${this.options.cluster.name}`, {
        hard: { pods: '10', 'requests.cpu': '4' },
      });
      await call('POST', `/api/v1/tenants/${FIXTURES.tenant}/projects/${FIXTURES.project}/namespaces`, {
        name: FIXTURES.namespace,
        cluster: this.options.cluster.name,
      });
    }
  }

  async stop(): Promise<void> {
    await this.db?.end();
  }

  adminToken(): string | undefined {
    return this.tokens.admin;
  }

  /** Every fuzzed operation of the document, plus the proxy's own error path. */
  operationIds(): string[] {
    return operationsOf(this.document).map((o) => o.id);
  }

  requests(): fc.Arbitrary<FuzzRequest> {
    const operations = operationsOf(this.document);
    return fc.oneof(...operations.map((operation) => requestFor(operation, this.known)), proxyErrorRequest(this.known));
  }

  /** Sends one request and judges the exchange: no 5xx (503 aside), the error body, no partial write. */
  async exchange(request: FuzzRequest): Promise<Outcome> {
    const write = WRITES.has(request.method);
    if (write && this.dirty) await this.settle();
    const before = write ? await this.snapshot() : undefined;
    const response = await send(this.options.gatewayUrl, request, this.tokens[request.principal]);
    const outcome: Outcome = { request, response };
    this.stats.statuses.set(response.status, (this.stats.statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500 && response.status !== 503) {
      outcome.problem = `${response.status}: ${response.text.slice(0, 500)}`;
    } else if (response.status >= 400 && response.status !== 503) {
      outcome.problem = this.errorBodyProblem(request, response);
      if (!outcome.problem && before) {
        const after = await this.snapshot();
        this.stats.refusedWritesChecked += 1;
        const changed = Object.keys(WATCHED_TABLES).filter((table) => before[table] !== after[table]);
        if (changed.length > 0) outcome.problem = `refused with ${response.status} but wrote ${changed.join(', ')}`;
      }
    } else if (write) {
      // A write went through: events and their consumers may still change rows for a while.
      this.dirty = true;
    }
    return outcome;
  }

  /** The contract's error body: `{ code, message, details }` for REST, a Kubernetes Status for the proxy. */
  private errorBodyProblem(request: FuzzRequest, response: FuzzResponse): string | undefined {
    // Node's HTTP parser answers a request it cannot parse itself, with an empty body, before Cube runs.
    if ((response.status === 400 || response.status === 431) && response.text === '') return undefined;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(response.text) as Record<string, unknown>;
    } catch {
      return `${response.status} with a body that is not JSON: ${response.text.slice(0, 200)}`;
    }
    if (request.path.startsWith('/api/v1/proxy/')) {
      return body['kind'] === 'Status' && body['code'] === response.status
        ? undefined
        : `proxy ${response.status} without a Status body: ${response.text.slice(0, 200)}`;
    }
    if (typeof body['code'] !== 'string' || typeof body['message'] !== 'string' || typeof body['details'] !== 'object') {
      return `${response.status} without { code, message, details }: ${response.text.slice(0, 200)}`;
    }
    return undefined;
  }

  /** One digest per watched table: row count and an md5 of the rows, so an update shows as well as an insert. */
  private async snapshot(): Promise<Record<string, string>> {
    const tables = Object.entries(WATCHED_TABLES);
    const query = tables
      .map(
        ([table, row], i) =>
          `SELECT ${i} AS i, count(*)::text || ':' || coalesce(md5(string_agg(${row}::text, '|' ORDER BY ${row}::text)), '') AS digest FROM ${table} t`,
      )
      .join(' UNION ALL ');
    const { rows } = await this.db.query<{ i: number; digest: string }>(query);
    return Object.fromEntries(rows.map((row) => [tables[row.i]?.[0] as string, row.digest]));
  }

  /**
   * Waits until events of earlier successful writes are relayed and the watched tables stop
   * changing, so a later refused request is judged on its own effect.
   */
  private async settle(): Promise<void> {
    let previous = '';
    await until(
      'the stack settled after a successful write (outboxes empty, watched tables unchanged)',
      async () => {
        const pending = await this.db.query<{ n: string }>(
          `SELECT (${OUTBOXES.map((o) => `(SELECT count(*) FROM ${o})`).join(' + ')})::text AS n`,
        );
        const current = JSON.stringify(await this.snapshot());
        const settled = pending.rows[0]?.n === '0' && current === previous;
        previous = current;
        return settled;
      },
      30_000,
    );
    this.dirty = false;
  }
}

export { describe as describeRequest };
