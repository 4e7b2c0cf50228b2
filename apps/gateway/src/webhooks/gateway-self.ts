import { isIP } from 'node:net';
import { GatewayAddress } from '../kubeconfig/kubeconfig-issuer';

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost']);

function normalisedHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function isLoopbackOrUnspecified(host: string): boolean {
  if (LOOPBACK_NAMES.has(host) || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.') || host === '0.0.0.0';
  if (isIP(host) === 6) return host === '::1' || host === '::' || host.startsWith('::ffff:127.');
  return false;
}

const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));

/**
 * True when `candidate` would send requests to this gateway: the public URL's origin, or this
 * machine's loopback / listening address on the gateway's own port. A webhook pointing there would
 * make Cube call its own API with whatever the event carries.
 */
export function pointsAtGateway(candidate: string, publicUrl: string, listening: GatewayAddress, httpHost: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  const host = normalisedHost(url.hostname);
  const port = portOf(url);
  if (publicUrl) {
    const own = new URL(publicUrl);
    if (normalisedHost(own.hostname) === host && portOf(own) === port) return true;
  }
  if (port !== listening.port) return false;
  const ownHosts = new Set([normalisedHost(listening.address), normalisedHost(httpHost)].filter(Boolean));
  return isLoopbackOrUnspecified(host) || ownHosts.has(host);
}
