import { X509Certificate } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import { QUOTA_WEBHOOK_PATH, TOKEN_REVIEW_PATH } from '@cube/contracts';
import { applyObject, CUBE_FIELD_MANAGER, QUOTA_WEBHOOK_CONFIGURATION, quotaWebhookConfiguration, RawObjectApi } from '@cube/kube';
import { MemberCluster } from '../agent/member-cluster';
import { WardenArguments, WebhookEndpoint } from '../agent/warden-arguments';
import { WardenStartError } from '../agent/warden-start-error';

/** The webhook kubeconfig an operator gives the member kube-apiserver, written into the state directory. */
export const AUTHN_WEBHOOK_KUBECONFIG = 'authn-webhook.kubeconfig';

/** Warden's webhooks as the member kube-apiserver calls them by URL. */
export interface WebhookUrls {
  base: string;
  tokenReview: string;
  quota: string;
}

/**
 * The base URL the apiserver calls, or null when it goes through the Service (Warden in its Pod).
 * The serving certificate registration made is valid for `127.0.0.1` and `localhost`: the URL's host
 * must be one it covers, or every call would fail TLS verification.
 */
export function webhookUrls(endpoint: WebhookEndpoint, port: number, servingCert: string): WebhookUrls | null {
  if (endpoint.kind === 'service') return null;
  const cert = new X509Certificate(servingCert);
  const covers = (host: string) => (isIP(host) ? cert.checkIP(host) : cert.checkHost(host)) !== undefined;
  let base: string;
  if (endpoint.kind === 'loopback') {
    const host = ['127.0.0.1', 'localhost'].find(covers);
    if (!host)
      throw new WardenStartError(
        `the serving certificate is valid for neither 127.0.0.1 nor localhost (${cert.subjectAltName ?? 'no SANs'}); give --webhook-url`,
      );
    base = `https://${host}:${port}`;
  } else {
    const host = new URL(endpoint.url).hostname.replace(/^\[(.*)\]$/, '$1');
    if (!covers(host)) {
      throw new WardenStartError(
        `--webhook-url: the serving certificate in cube-system/cube-warden-webhook-tls is not valid for "${host}" (${cert.subjectAltName ?? 'no SANs'})`,
      );
    }
    base = endpoint.url;
  }
  return { base, tokenReview: `${base}${TOKEN_REVIEW_PATH}`, quota: `${base}${QUOTA_WEBHOOK_PATH}` };
}

/**
 * Points the `cube-warden-quota` ValidatingWebhookConfiguration at the URL by server-side apply under
 * registration's own field manager, so the Service reference it replaces is dropped, and applying
 * again changes nothing.
 */
export async function pointQuotaWebhookAt(kubeConfig: KubeConfig, urls: WebhookUrls, caCert: string): Promise<void> {
  try {
    await applyObject(RawObjectApi.forConfig(kubeConfig), quotaWebhookConfiguration({ url: urls.base }, caCert), CUBE_FIELD_MANAGER);
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new WardenStartError(`cannot point ValidatingWebhookConfiguration ${QUOTA_WEBHOOK_CONFIGURATION} at ${urls.quota}: ${reason}`);
  }
}

/**
 * TokenReview cannot be configured through an API object: the operator gives the kube-apiserver
 * `--authentication-token-webhook-config-file`. Warden writes that file (its URL and CA) for them.
 */
export async function writeAuthnWebhookKubeconfig(stateDir: string, urls: WebhookUrls, caCert: string): Promise<string> {
  const file = join(stateDir, AUTHN_WEBHOOK_KUBECONFIG);
  const yaml = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: cube-warden',
    '    cluster:',
    `      server: ${urls.tokenReview}`,
    `      certificate-authority-data: ${Buffer.from(caCert, 'utf8').toString('base64')}`,
    'users:',
    '  - name: kube-apiserver',
    'contexts:',
    '  - name: webhook',
    '    context: { cluster: cube-warden, user: kube-apiserver }',
    'current-context: webhook',
    '',
  ].join('\n');
  await mkdir(stateDir, { recursive: true });
  await writeFile(file, yaml, { mode: 0o644 });
  return file;
}

/**
 * Warden outside its Pod (or with `--webhook-url`): points the quota webhook at its URL and tells the
 * operator the TokenReview URL and webhook kubeconfig. Nothing to do when the Service leads to it.
 */
export async function serveWebhooksByUrl(
  cluster: MemberCluster,
  args: Pick<WardenArguments, 'webhookEndpoint' | 'stateDir'>,
  port: number,
): Promise<void> {
  const urls = webhookUrls(args.webhookEndpoint, port, cluster.serving.cert);
  if (!urls) return;
  await pointQuotaWebhookAt(cluster.kubeConfig, urls, cluster.serving.caCert);
  const authnConfig = await writeAuthnWebhookKubeconfig(args.stateDir, urls, cluster.serving.caCert);
  new Logger('Warden').log(
    { quotaWebhook: urls.quota, tokenReviewWebhook: urls.tokenReview, authnWebhookConfig: authnConfig },
    `quota webhook served by URL; for Cube tokens start the kube-apiserver with --authentication-token-webhook-config-file=${authnConfig}`,
  );
}
