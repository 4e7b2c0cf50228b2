import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CubeError, DNS_LABEL } from '@cube/contracts';

/*
 * The query parameters of Prometheus' HTTP API (https://prometheus.io/docs/prometheus/2.42/querying/api/),
 * plus Cube's optional `tenant`/`project` narrowing. Times are RFC 3339 or Unix seconds, durations
 * Prometheus durations (`15s`, `1h30m`) or seconds, exactly as Prometheus reads them.
 */

const MAX_QUERY_LENGTH = 16_384;

/** Narrows what a query may see to one tenant or one of its projects (404 when the caller cannot see it). */
export class MetricsScopeParams {
  @ApiPropertyOptional({ description: 'Only namespaces of this tenant', pattern: DNS_LABEL.source })
  @IsOptional()
  @Matches(DNS_LABEL)
  tenant?: string;

  @ApiPropertyOptional({ description: 'Only namespaces of this project (needs tenant)', pattern: DNS_LABEL.source })
  @IsOptional()
  @Matches(DNS_LABEL)
  project?: string;
}

export class InstantQueryParams extends MetricsScopeParams {
  @ApiProperty({ description: 'PromQL expression', maxLength: MAX_QUERY_LENGTH })
  @IsString()
  @MaxLength(MAX_QUERY_LENGTH)
  query!: string;

  @ApiPropertyOptional({ description: 'Evaluation time (RFC 3339 or Unix seconds); default now' })
  @IsOptional()
  @IsString()
  time?: string;

  @ApiPropertyOptional({ description: 'Evaluation timeout (duration); capped by the gateway' })
  @IsOptional()
  @IsString()
  timeout?: string;
}

export class RangeQueryParams extends MetricsScopeParams {
  @ApiProperty({ description: 'PromQL expression', maxLength: MAX_QUERY_LENGTH })
  @IsString()
  @MaxLength(MAX_QUERY_LENGTH)
  query!: string;

  @ApiProperty({ description: 'Start (RFC 3339 or Unix seconds)' })
  @IsString()
  start!: string;

  @ApiProperty({ description: 'End (RFC 3339 or Unix seconds)' })
  @IsString()
  end!: string;

  @ApiProperty({ description: 'Resolution step (duration or seconds)' })
  @IsString()
  step!: string;

  @ApiPropertyOptional({ description: 'Evaluation timeout (duration); capped by the gateway' })
  @IsOptional()
  @IsString()
  timeout?: string;
}

export class SeriesParams extends MetricsScopeParams {
  @ApiPropertyOptional({ name: 'match[]', description: 'Series selectors (repeatable); required for /series', type: [String] })
  @IsOptional()
  @IsString({ each: true })
  @MaxLength(MAX_QUERY_LENGTH, { each: true })
  'match[]'?: string | string[];

  @ApiPropertyOptional({ description: 'Start (RFC 3339 or Unix seconds)' })
  @IsOptional()
  @IsString()
  start?: string;

  @ApiPropertyOptional({ description: 'End (RFC 3339 or Unix seconds)' })
  @IsOptional()
  @IsString()
  end?: string;
}

/** A Prometheus time parameter in Unix seconds; BAD_REQUEST naming the field otherwise. */
export function parseTime(field: string, value: string): number {
  const trimmed = value.trim();
  if (/^[+-]?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const millis = Date.parse(trimmed);
    if (!Number.isNaN(millis)) return millis / 1000;
  }
  throw badField(field, 'must be an RFC 3339 time or Unix seconds');
}

const DURATION_UNITS: Record<string, number> = { y: 365 * 86_400, w: 7 * 86_400, d: 86_400, h: 3600, m: 60, s: 1, ms: 0.001 };

/** A Prometheus duration (`1h30m`, `15s`) or a number of seconds, in seconds; BAD_REQUEST naming the field otherwise. */
export function parseDuration(field: string, value: string): number {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const parts = [...trimmed.matchAll(/(\d+)(ms|y|w|d|h|m|s)/g)];
  if (parts.length > 0 && parts.map((part) => part[0]).join('') === trimmed) {
    return parts.reduce((sum, part) => sum + Number(part[1]) * (DURATION_UNITS[part[2] ?? 's'] ?? 0), 0);
  }
  throw badField(field, 'must be a duration such as 15s, 5m or 1h30m, or a number of seconds');
}

export interface MetricsLimits {
  maxRangeSeconds: number;
  maxPoints: number;
}

/** Checks a range query's window against the limits: 400 when malformed, 422 when too large (with the limit in details). */
export function checkRange(start: number, end: number, step: number | null, limits: MetricsLimits): void {
  if (end < start) throw badField('end', 'must not be before start', 'invalid_range');
  if (step !== null && step <= 0) throw badField('step', 'must be positive', 'invalid_range');
  if (end - start > limits.maxRangeSeconds) {
    throw new CubeError('UNPROCESSABLE', `the time range is ${end - start} s, more than the ${limits.maxRangeSeconds} s allowed`, {
      reason: 'range_too_large',
      rangeSeconds: end - start,
      maxRangeSeconds: limits.maxRangeSeconds,
    });
  }
  if (step !== null) {
    const points = Math.floor((end - start) / step) + 1;
    if (points > limits.maxPoints) {
      throw new CubeError('UNPROCESSABLE', `the query asks for ${points} points per series, more than the ${limits.maxPoints} allowed`, {
        reason: 'too_many_points',
        points,
        maxPoints: limits.maxPoints,
      });
    }
  }
}

/** `match[]` as one list, whether Express gave a string or an array. */
export function matchersOf(params: SeriesParams): string[] {
  const value = params['match[]'];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function badField(field: string, message: string, reason = 'invalid_parameter'): CubeError {
  return new CubeError('BAD_REQUEST', `invalid request: ${field} ${message}`, {
    reason,
    fields: [{ field, in: 'query', problems: [`${field} ${message}`] }],
  });
}
