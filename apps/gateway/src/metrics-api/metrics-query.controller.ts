import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthenticatedPrincipal, CubeError } from '@cube/contracts';
import {
  parsePromql,
  rectanglesOf,
  scopeQuery,
  scopeSeriesSelector,
  SEE_ALL,
  visiblePairs,
  visibleSeriesSelectors,
  Visibility,
} from '@cube/promql';
import { actorOf, CurrentPrincipal } from '../authn/principal';
import { GatewayEnvironment } from '../config/gateway-environment';
import { GATEWAY_ENVIRONMENT } from '../config/tokens';
import { ApiErrors } from '../docs/api-errors';
import { requestIdOf } from '../envelope/envelope.factory';
import {
  checkRange,
  InstantQueryParams,
  matchersOf,
  MetricsLimits,
  MetricsScopeParams,
  parseDuration,
  parseTime,
  RangeQueryParams,
  SeriesParams,
} from './metrics-params';
import { MetricsStore, PrometheusSuccess } from './metrics-store';
import { MetricsVisibility } from './metrics-visibility';

const SAMPLE = { type: 'array', items: {}, minItems: 2, maxItems: 2, description: '[unix seconds, "value"]' };
const QUERY_RESPONSE = {
  description: "Prometheus' response, every series within what the caller may see",
  schema: {
    type: 'object',
    required: ['status', 'data'],
    properties: {
      status: { type: 'string', enum: ['success'] },
      data: {
        type: 'object',
        required: ['resultType', 'result'],
        properties: {
          resultType: { type: 'string', enum: ['matrix', 'vector', 'scalar', 'string'] },
          result: {
            oneOf: [
              {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    metric: { type: 'object', additionalProperties: { type: 'string' } },
                    value: SAMPLE,
                    values: { type: 'array', items: SAMPLE },
                  },
                },
              },
              SAMPLE,
            ],
          },
        },
      },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
};
const SERIES_RESPONSE = {
  description: 'The visible series matching any selector, as label sets',
  schema: {
    type: 'object',
    required: ['status', 'data'],
    properties: {
      status: { type: 'string', enum: ['success'] },
      data: { type: 'array', items: { type: 'object', additionalProperties: { type: 'string' } } },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
};
const NAMES_RESPONSE = {
  description: 'Label names or values found in the visible series',
  schema: {
    type: 'object',
    required: ['status', 'data'],
    properties: {
      status: { type: 'string', enum: ['success'] },
      data: { type: 'array', items: { type: 'string' } },
      warnings: { type: 'array', items: { type: 'string' } },
    },
  },
};
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Prometheus' query API, scoped (README "Metrics and alerts"): each request's PromQL is parsed and
 * rewritten by @cube/promql so that it reads only the (cluster, namespace) pairs the caller may see,
 * then forwarded to the store; the store's answer is returned as Prometheus wrote it, so chart
 * libraries and Grafana's Prometheus data source work with a Cube token.
 */
@ApiTags('metrics')
@ApiBearerAuth()
@ApiErrors(400, 401, 404, 422, 503)
@Controller('api/v1/metrics')
export class MetricsQueryController {
  private readonly limits: MetricsLimits;

  constructor(
    private readonly visibility: MetricsVisibility,
    private readonly store: MetricsStore,
    @Inject(GATEWAY_ENVIRONMENT) env: GatewayEnvironment,
  ) {
    this.limits = { maxRangeSeconds: env.CUBE_METRICS_MAX_RANGE_SECONDS, maxPoints: env.CUBE_METRICS_MAX_POINTS };
  }

  @Get('query')
  @ApiOperation({ summary: 'Instant query (Prometheus /api/v1/query), scoped to the caller' })
  @ApiOkResponse(QUERY_RESPONSE)
  async query(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() params: InstantQueryParams,
  ): Promise<PrometheusSuccess> {
    parsePromql(params.query);
    const time = params.time === undefined ? [] : [['time', String(parseTime('time', params.time))] as [string, string]];
    const timeout = this.timeoutOf(params.timeout);
    const visibility = await this.visibilityOf(req, principal, params);
    let query: string;
    try {
      query = scopeQuery(params.query, visibility);
    } catch (error: unknown) {
      if (!(error instanceof CubeError && error.details['reason'] === 'unscopable_query' && visibility.kind === 'pairs')) throw error;
      return this.rangeVectorPerRectangle(params.query, visibility.pairs, [...time, ['timeout', timeout]]);
    }
    return this.store.call('query', [['query', query], ...time, ['timeout', timeout]]);
  }

  /**
   * A bare range vector (`x[5m]`) over several rectangles cannot be one selector nor an `or` of
   * selectors: it is asked once per rectangle (each a single selector) and the series lists are
   * concatenated. The rectangles have disjoint cluster sets, so no series comes twice.
   */
  private async rangeVectorPerRectangle(
    promql: string,
    pairs: Extract<Visibility, { kind: 'pairs' }>['pairs'],
    form: [string, string][],
  ): Promise<PrometheusSuccess> {
    const answers: PrometheusSuccess[] = [];
    for (const rectangle of rectanglesOf(pairs)) {
      const part = visiblePairs(rectangle.clusters.flatMap((cluster) => rectangle.namespaces.map((namespace) => ({ cluster, namespace }))));
      answers.push(await this.store.call('query', [['query', scopeQuery(promql, part)], ...form]));
    }
    const results = answers.map((answer) => answer.data as { resultType: string; result: unknown[] });
    const warnings = answers.flatMap((answer) => answer.warnings ?? []);
    return {
      status: 'success',
      data: { resultType: results[0]?.resultType ?? 'matrix', result: results.flatMap((data) => data.result) },
      ...(warnings.length > 0 ? { warnings } : {}),
    };
  }

  @Get('query_range')
  @ApiOperation({ summary: 'Range query (Prometheus /api/v1/query_range), scoped to the caller' })
  @ApiOkResponse(QUERY_RESPONSE)
  async queryRange(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() params: RangeQueryParams,
  ): Promise<PrometheusSuccess> {
    const start = parseTime('start', params.start);
    const end = parseTime('end', params.end);
    const step = parseDuration('step', params.step);
    checkRange(start, end, step, this.limits);
    const timeout = this.timeoutOf(params.timeout);
    parsePromql(params.query);
    const query = rangeQueryScoped(params.query, await this.visibilityOf(req, principal, params));
    return this.store.call('query_range', [
      ['query', query],
      ['start', String(start)],
      ['end', String(end)],
      ['step', String(step)],
      ['timeout', timeout],
    ]);
  }

  @Get('series')
  @ApiOperation({ summary: 'Series matching selectors (Prometheus /api/v1/series), scoped to the caller' })
  @ApiOkResponse(SERIES_RESPONSE)
  async series(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() params: SeriesParams,
  ): Promise<PrometheusSuccess> {
    if (matchersOf(params).length === 0) {
      throw new CubeError('BAD_REQUEST', 'invalid request: at least one match[] selector is required', {
        reason: 'invalid_parameter',
        fields: [{ field: 'match[]', in: 'query', problems: ['match[] is required'] }],
      });
    }
    return this.store.call('series', await this.seriesForm(req, principal, params));
  }

  @Get('labels')
  @ApiOperation({ summary: 'Label names (Prometheus /api/v1/labels), of the series the caller may see' })
  @ApiOkResponse(NAMES_RESPONSE)
  async labels(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Query() params: SeriesParams,
  ): Promise<PrometheusSuccess> {
    return this.store.call('labels', await this.seriesForm(req, principal, params));
  }

  @Get('label/:name/values')
  @ApiOperation({ summary: 'Values of one label (Prometheus /api/v1/label/<name>/values), in the series the caller may see' })
  @ApiParam({ name: 'name', schema: { type: 'string', pattern: LABEL_NAME.source, maxLength: 256 } })
  @ApiOkResponse(NAMES_RESPONSE)
  async labelValues(
    @Req() req: Request,
    @CurrentPrincipal() principal: AuthenticatedPrincipal,
    @Param('name') name: string,
    @Query() params: SeriesParams,
  ): Promise<PrometheusSuccess> {
    if (!LABEL_NAME.test(name) || name.length > 256) {
      throw new CubeError('BAD_REQUEST', 'invalid request: path parameter name', {
        fields: [{ field: 'name', in: 'path', problems: ['name must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)'] }],
      });
    }
    return this.store.call(`label/${name}/values`, await this.seriesForm(req, principal, params));
  }

  /** `match[]` scoped (one selector per visible rectangle) and the optional window, for /series, /labels and /label/../values. */
  private async seriesForm(req: Request, principal: AuthenticatedPrincipal, params: SeriesParams): Promise<[string, string][]> {
    const form: [string, string][] = [];
    const start = params.start === undefined ? null : parseTime('start', params.start);
    const end = params.end === undefined ? null : parseTime('end', params.end);
    if (start !== null && end !== null) checkRange(start, end, null, this.limits);
    const selectors = matchersOf(params);
    for (const selector of selectors) scopeSeriesSelector(selector, SEE_ALL);
    if (start !== null) form.push(['start', String(start)]);
    if (end !== null) form.push(['end', String(end)]);
    const visibility = await this.visibilityOf(req, principal, params);
    const scoped = selectors.flatMap((selector) => scopeSeriesSelector(selector, visibility));
    for (const selector of scoped.length > 0 ? scoped : (visibleSeriesSelectors(visibility) ?? [])) form.push(['match[]', selector]);
    return form;
  }

  private visibilityOf(req: Request, principal: AuthenticatedPrincipal, params: MetricsScopeParams): Promise<Visibility> {
    return this.visibility.of(actorOf(principal), requestIdOf(req), { tenant: params.tenant, project: params.project });
  }

  /** The store's evaluation timeout: the caller's, never longer than the gateway's own deadline. */
  private timeoutOf(requested: string | undefined): string {
    const cap = this.store.timeoutMs / 1000;
    const seconds = requested === undefined ? cap : Math.min(parseDuration('timeout', requested), cap);
    return `${seconds}s`;
  }
}

/** A bare range vector cannot be a range query's expression (Prometheus refuses it too): 400, whatever the caller sees. */
function rangeQueryScoped(promql: string, visibility: Visibility): string {
  try {
    return scopeQuery(promql, visibility);
  } catch (error: unknown) {
    if (!(error instanceof CubeError && error.details['reason'] === 'unscopable_query')) throw error;
    throw new CubeError('BAD_REQUEST', 'invalid PromQL: a range query needs an instant vector or scalar expression, not a range vector', {
      reason: 'invalid_promql',
      position: error.details['position'],
      fields: [{ field: 'query', in: 'query', problems: ['a range vector cannot be evaluated as a range query'] }],
    });
  }
}
