import { Transform, Type } from 'class-transformer';
import { IsBase64, IsBoolean, IsInt, IsOptional, IsString, Length, Max, Min, Matches } from 'class-validator';
import { BaseEnvironment, ConfigurationError } from '@cube/service-runtime';

const toBoolean = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/** The gateway's variables on top of those every Cube process reads. */
export class GatewayEnvironment extends BaseEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  CUBE_HTTP_HOST = '127.0.0.1';

  /**
   * Gateway worker processes sharing the one port (node:cluster): each a whole gateway with its own
   * NATS connection and caches, the primary only hands out connections and stops them all on SIGTERM.
   */
  @Type(() => Number)
  @IsInt({ message: 'CUBE_GATEWAY_WORKERS must be a whole number from 1 to 64' })
  @Min(1, { message: 'CUBE_GATEWAY_WORKERS must be a whole number from 1 to 64' })
  @Max(64, { message: 'CUBE_GATEWAY_WORKERS must be a whole number from 1 to 64' })
  CUBE_GATEWAY_WORKERS = 1;

  /** Comma-separated origins allowed to call the API from a browser (the separately hosted SPA). */
  @Matches(/^(|\*|https?:\/\/[^,\s]+(,\s*https?:\/\/[^,\s]+)*)$/, {
    message: 'CUBE_CORS_ORIGINS must be empty, * or a comma-separated list of http(s) origins',
  })
  CUBE_CORS_ORIGINS = '';

  /** Express `trust proxy`: which proxies' X-Forwarded-For to believe (e.g. `loopback`, `10.0.0.0/8`); empty trusts none. */
  @IsString()
  CUBE_TRUST_PROXY = '';

  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(30_000)
  CUBE_READY_TIMEOUT_MS = 1000;

  /**
   * PEM certificate (chain) and key the gateway serves HTTPS with; both empty: plain HTTP (TLS ends in
   * front of it). kubectl sends bearer tokens only over TLS, so a kubeconfig needs one or the other.
   */
  @IsString()
  CUBE_TLS_CERT_FILE = '';

  @IsString()
  CUBE_TLS_KEY_FILE = '';

  /**
   * The address clients reach the gateway at (scheme, host, port, optional path prefix), written into
   * downloaded kubeconfigs; empty: the gateway's own http(s)://host:port.
   */
  @Matches(/^(|https?:\/\/[^\s?#]+[^\s?#/])$/, {
    message: 'CUBE_PUBLIC_URL must be empty or an http(s) URL without a query, fragment or trailing slash',
  })
  CUBE_PUBLIC_URL = '';

  /**
   * PEM file of the CA that signed the certificate served at CUBE_PUBLIC_URL (TLS ends in front of the
   * gateway, e.g. an ingress with a private CA); written into kubeconfigs. Empty: none (system trust).
   */
  @IsString()
  CUBE_PUBLIC_CA_FILE = '';

  /**
   * The key the clusters service seals member credentials with (32 bytes, base64): the native API
   * proxy opens them with it. Unset: the proxy answers 503.
   */
  @IsOptional()
  @IsBase64(undefined, { message: 'CUBE_SECRET_KEY must be base64 (32 random bytes, e.g. openssl rand -base64 32)' })
  @Length(44, 44, { message: 'CUBE_SECRET_KEY must be 32 bytes, base64-encoded (44 characters)' })
  CUBE_SECRET_KEY: string | undefined = undefined;

  /** Largest request body the native API proxy forwards (kube-apiserver's own limit is 3 MiB). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1024 * 1024 * 1024)
  CUBE_PROXY_MAX_BODY_BYTES = 3 * 1024 * 1024;

  /** Audit reads (get, list, watch) through the native API proxy too, not only writes and exec. */
  @Transform(toBoolean)
  @IsBoolean({ message: 'CUBE_PROXY_AUDIT_READS must be true or false' })
  CUBE_PROXY_AUDIT_READS = false;

  /** The CloudShell image (deploy/cloudshell/Dockerfile): bash and kubectl, run as a non-root user. */
  @IsString()
  @Length(1, 512)
  CUBE_CLOUDSHELL_IMAGE = 'ghcr.io/cube-platform/cloudshell:latest';

  /** Seconds a CloudShell's API token lives at most (it is revoked earlier, when the shell ends). */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(7 * 86_400)
  CUBE_CLOUDSHELL_TOKEN_TTL = 14_400;

  /**
   * Where a CloudShell pod may connect (its NetworkPolicy's only egress besides DNS): the gateway's
   * addresses as the member cluster sees them, as a CIDR. Empty: the address of CUBE_PUBLIC_URL when
   * it is an IP, else any address on the gateway's port only.
   */
  @Matches(/^(|[0-9a-fA-F:.]+\/\d{1,3})$/, { message: 'CUBE_CLOUDSHELL_GATEWAY_CIDR must be empty or a CIDR such as 10.0.0.5/32' })
  CUBE_CLOUDSHELL_GATEWAY_CIDR = '';

  /**
   * The Prometheus-compatible store member clusters remote-write to (Prometheus, Thanos Query, Mimir,
   * VictoriaMetrics: its HTTP API root, e.g. http://prometheus:9090). Empty: the metrics API answers 503.
   */
  @Matches(/^(|https?:\/\/[^\s?#]+[^\s?#/])$/, {
    message: 'CUBE_METRICS_URL must be empty or an http(s) URL without a query, fragment or trailing slash',
  })
  CUBE_METRICS_URL = '';

  /** Widest time range (end - start) of a range query, series or label call, in seconds. */
  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(10 * 366 * 86_400)
  CUBE_METRICS_MAX_RANGE_SECONDS = 31 * 86_400;

  /** Most points per series a range query may ask for ((end - start) / step + 1); Prometheus' own limit is 11,000. */
  @Type(() => Number)
  @IsInt()
  @Min(10)
  @Max(11_000)
  CUBE_METRICS_MAX_POINTS = 11_000;

  /** Deadline of one call to the store; the query's own `timeout` may only be shorter. Missed: 503 `query_timeout`. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(300_000)
  CUBE_METRICS_TIMEOUT_MS = 30_000;
}

/** The serving certificate and key, or null for plain HTTP; one without the other is a configuration error. */
export function tlsFilesOf(env: GatewayEnvironment): { cert: string; key: string } | null {
  if (!env.CUBE_TLS_CERT_FILE && !env.CUBE_TLS_KEY_FILE) return null;
  if (!env.CUBE_TLS_CERT_FILE || !env.CUBE_TLS_KEY_FILE) {
    throw new ConfigurationError('invalid configuration: CUBE_TLS_CERT_FILE and CUBE_TLS_KEY_FILE are set together or not at all');
  }
  return { cert: env.CUBE_TLS_CERT_FILE, key: env.CUBE_TLS_KEY_FILE };
}

export function corsOrigins(env: GatewayEnvironment): string[] | '*' | null {
  const value = env.CUBE_CORS_ORIGINS.trim();
  if (value === '') return null;
  if (value === '*') return '*';
  return value.split(',').map((origin) => origin.trim());
}
