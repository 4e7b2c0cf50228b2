import { Inject, Injectable } from '@nestjs/common';
import { CubeError } from '@cube/contracts';
import { SealedValue, SecretBox } from '@cube/persistence';
import { SERVICE_ENVIRONMENT } from '@cube/service-runtime';
import { AuditEnvironment } from '../audit-environment';

/** Seals webhook signing keys with CUBE_SECRET_KEY; without it no webhook can be created or sent. */
@Injectable()
export class WebhookSecrets {
  private readonly box: SecretBox | null;

  constructor(@Inject(SERVICE_ENVIRONMENT) env: AuditEnvironment) {
    this.box = env.CUBE_SECRET_KEY ? SecretBox.fromBase64(env.CUBE_SECRET_KEY) : null;
  }

  seal(secret: string): { sealed: SealedValue; keyId: string } {
    const box = this.required();
    return { sealed: box.seal(secret), keyId: box.keyId };
  }

  open(sealed: SealedValue): string {
    return this.required().open<string>(sealed);
  }

  private required(): SecretBox {
    if (!this.box)
      throw new CubeError('UNAVAILABLE', 'webhooks need CUBE_SECRET_KEY on the audit service to seal their signing keys', {
        reason: 'secret_key_not_configured',
      });
    return this.box;
  }
}
