import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

const URL_OR_EMPTY = /^(|https?:\/\/[^\s?#]+[^\s?#/])$/;

/** Tenancy's variables: the database ones plus where project alert rules are delivered (README "Metrics and alerts"). */
export class TenancyEnvironment extends DatabaseServiceEnvironment {
  /** The Prometheus rule file tenancy writes every project's scoped rules into; empty: rules are stored but not delivered. */
  @IsString()
  CUBE_ALERT_RULES_FILE = '';

  /** The Alertmanager configuration file tenancy writes (one route and receiver per project); empty: not written. */
  @IsString()
  CUBE_ALERTMANAGER_CONFIG_FILE = '';

  /** The evaluating Prometheus (`--web.enable-lifecycle`): reloaded after each change, and asked for firing alerts. */
  @Matches(URL_OR_EMPTY, { message: 'CUBE_ALERT_PROMETHEUS_URL must be empty or an http(s) URL without a trailing slash' })
  CUBE_ALERT_PROMETHEUS_URL = '';

  /** Alertmanager, reloaded after each change. */
  @Matches(URL_OR_EMPTY, { message: 'CUBE_ALERTMANAGER_URL must be empty or an http(s) URL without a trailing slash' })
  CUBE_ALERTMANAGER_URL = '';

  /** SMTP relay (host:port) and sender for e-mail receivers; empty: e-mail receivers are refused with 422. */
  @IsString()
  CUBE_ALERT_SMTP_SMARTHOST = '';

  @IsString()
  CUBE_ALERT_SMTP_FROM = '';

  /** Alertmanager's group_wait: how long the first alert of a group waits for others before it is sent. */
  @Matches(/^(\d+(ms|s|m|h))+$/, { message: 'CUBE_ALERT_GROUP_WAIT must be a duration such as 30s' })
  CUBE_ALERT_GROUP_WAIT = '30s';

  /** Seconds between full re-renders (namespace changes, other replicas' writes). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  CUBE_ALERT_RESYNC_SECONDS = 30;
}
