import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CubeError, ProxyCredentials } from '@cube/contracts';
import { SealedValue, SecretBox } from '@cube/persistence';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { ClustersEnvironment } from '../clusters-environment';

/** What is sealed per cluster: the kubeconfig Cube connects with, and Warden's NATS credential. */
export interface ClusterCredentials {
  kubeconfig: string;
  natsToken: string;
}

/**
 * Seals cluster credentials with `CUBE_SECRET_KEY`. The key id (a hash prefix of the key) is stored
 * beside each value, so that after a key rotation the values still sealed with the old key are found.
 */
@Injectable()
export class CredentialVault {
  private readonly box: SecretBox | undefined;
  readonly keyId: string | undefined;

  constructor(@Inject(SERVICE_ENVIRONMENT) env: ClustersEnvironment) {
    if (env.CUBE_SECRET_KEY) {
      this.box = SecretBox.fromBase64(env.CUBE_SECRET_KEY);
      this.keyId = this.box.keyId;
    }
  }

  seal(credentials: ClusterCredentials): { sealed: SealedValue; keyId: string } {
    return this.sealValue(credentials);
  }

  /** Only the kubeconfig, for the gateway's proxy: Warden's NATS credential stays in this service. */
  sealForProxy(credentials: ProxyCredentials): { sealed: SealedValue; keyId: string } {
    return this.sealValue(credentials);
  }

  private sealValue(value: ClusterCredentials | ProxyCredentials): { sealed: SealedValue; keyId: string } {
    if (!this.box || !this.keyId) {
      throw new CubeError('UNAVAILABLE', 'CUBE_SECRET_KEY is not set: cluster credentials cannot be stored encrypted', {});
    }
    return { sealed: this.box.seal(value), keyId: this.keyId };
  }

  open(sealed: SealedValue, keyId: string, cluster: string): ClusterCredentials {
    if (!this.box || keyId !== this.keyId) {
      throw new CubeError('UNAVAILABLE', `the credentials of cluster "${cluster}" are sealed with key ${keyId}, which is not configured`, {
        cluster,
        keyId,
      });
    }
    return this.box.open<ClusterCredentials>(sealed);
  }

  static newNatsToken(): string {
    return randomBytes(24).toString('base64url');
  }
}
