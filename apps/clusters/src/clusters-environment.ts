import { Type } from 'class-transformer';
import { IsBase64, IsInt, IsNotEmpty, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { DatabaseServiceEnvironment } from '@cube/service-runtime';

/** The clusters service's variables on top of a database service's. */
export class ClustersEnvironment extends DatabaseServiceEnvironment {
  /** 32 random bytes, base64: seals member-cluster credentials at rest (AES-256-GCM). Unset refuses registration. */
  @IsOptional()
  @IsBase64(undefined, { message: 'CUBE_SECRET_KEY must be base64 (32 random bytes, e.g. openssl rand -base64 32)' })
  @Length(44, 44, { message: 'CUBE_SECRET_KEY must be 32 bytes, base64-encoded (44 characters)' })
  CUBE_SECRET_KEY: string | undefined = undefined;

  /** Seconds without a heartbeat after which a `normal` cluster turns `abnormal` (decimals allowed). */
  @Type(() => Number)
  @IsNumber({}, { message: 'CUBE_HEARTBEAT_TIMEOUT must be a number of seconds' })
  @Min(0.5)
  @Max(3600)
  CUBE_HEARTBEAT_TIMEOUT = 30;

  /** Container image of the Warden Deployment installed in each member cluster. */
  @IsString()
  @IsNotEmpty()
  CUBE_WARDEN_IMAGE = 'cube:latest';

  /** NATS URL(s) as a member cluster reaches them, written into its Warden Secret; defaults to NATS_URL. */
  @IsOptional()
  @IsString()
  CUBE_WARDEN_NATS_URL: string | undefined = undefined;

  /** Seconds between the control plane's own `/version` probes of each registered cluster (decimals allowed). */
  @Type(() => Number)
  @IsNumber({}, { message: 'CUBE_CLUSTER_PROBE_INTERVAL must be a number of seconds' })
  @Min(0.2)
  @Max(3600)
  CUBE_CLUSTER_PROBE_INTERVAL = 15;

  /** Deadline of each call to a member kube-apiserver while registering (a black-holed host never refuses). */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(60_000)
  CUBE_CLUSTER_CONNECT_TIMEOUT_MS = 5000;
}
