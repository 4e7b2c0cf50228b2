import { Inject, Injectable, Logger } from '@nestjs/common';
import { CubeError } from '@cube/contracts';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';

/** A successful Prometheus API answer, passed to the caller as the store wrote it. */
export interface PrometheusSuccess {
  status: 'success';
  data: unknown;
  warnings?: string[];
}

interface PrometheusFailure {
  status: 'error';
  errorType?: string;
  error?: string;
}

/**
 * The central metrics store's HTTP API (Prometheus 2.x and what speaks it: Thanos Query, Mimir,
 * VictoriaMetrics). Form-encoded POSTs where the API takes them, so that a query widened by scoping
 * never meets a URL length limit. Every call has the gateway's deadline; the store's own errors become Cube errors with reasons.
 */
@Injectable()
export class MetricsStore {
  private readonly logger = new Logger(MetricsStore.name);

  constructor(@Inject(GATEWAY_ENVIRONMENT) private readonly env: GatewayEnvironment) {}

  get timeoutMs(): number {
    return this.env.CUBE_METRICS_TIMEOUT_MS;
  }

  async call(path: string, form: [string, string][]): Promise<PrometheusSuccess> {
    if (!this.env.CUBE_METRICS_URL) {
      throw new CubeError('UNAVAILABLE', 'no metrics store is configured (CUBE_METRICS_URL)', { reason: 'metrics_not_configured' });
    }
    let response: Response;
    try {
      const encoded = new URLSearchParams(form).toString();
      const signal = AbortSignal.timeout(this.env.CUBE_METRICS_TIMEOUT_MS);
      // Prometheus serves /label/<name>/values on GET only; everything else takes a form POST.
      response = path.startsWith('label/')
        ? await fetch(`${this.env.CUBE_METRICS_URL}/api/v1/${path}?${encoded}`, { headers: { accept: 'application/json' }, signal })
        : await fetch(`${this.env.CUBE_METRICS_URL}/api/v1/${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body: encoded,
            signal,
          });
    } catch (error) {
      if (error instanceof Error && error.name === 'TimeoutError') {
        throw new CubeError('UNAVAILABLE', `the metrics store did not answer within ${this.env.CUBE_METRICS_TIMEOUT_MS} ms`, {
          reason: 'query_timeout',
        });
      }
      this.logger.warn({ err: error }, 'metrics store unreachable');
      throw new CubeError('UNAVAILABLE', 'the metrics store is unreachable', { reason: 'metrics_store_unavailable' });
    }
    const body = await this.bodyOf(response);
    if (response.ok && body?.status === 'success') return body as PrometheusSuccess;
    throw this.errorOf(response.status, body as PrometheusFailure | null);
  }

  private async bodyOf(response: Response): Promise<{ status?: unknown } | null> {
    try {
      return (await response.json()) as { status?: unknown };
    } catch {
      return null;
    }
  }

  /** Prometheus' errorType → Cube: bad_data 400, execution 422, timeout/canceled 503, anything else 503 (the store failed, not the caller). */
  private errorOf(status: number, body: PrometheusFailure | null): CubeError {
    const message = body?.error ?? `the metrics store answered HTTP ${status}`;
    switch (body?.errorType) {
      case 'bad_data':
        return new CubeError('BAD_REQUEST', `invalid query: ${message}`, {
          reason: 'invalid_promql',
          fields: [{ field: 'query', in: 'query', problems: [message] }],
        });
      case 'execution':
        return new CubeError('UNPROCESSABLE', `the query failed: ${message}`, { reason: 'query_failed' });
      case 'timeout':
      case 'canceled':
        return new CubeError('UNAVAILABLE', `the query did not finish: ${message}`, { reason: 'query_timeout' });
      default:
        this.logger.warn({ status, errorType: body?.errorType }, 'metrics store error');
        return new CubeError('UNAVAILABLE', `the metrics store failed: ${message}`, { reason: 'metrics_store_unavailable' });
    }
  }
}
