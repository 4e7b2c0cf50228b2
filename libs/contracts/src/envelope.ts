/** Who asks: a user authenticated by the gateway, or a Cube component acting on its own. */
export type Actor = { kind: 'user'; name: string; groups: string[] } | { kind: 'system'; name: string };

/** Every request on the bus carries this envelope; the owning service authorizes `actor` itself. */
export interface Envelope<TPayload = unknown> {
  actor: Actor;
  requestId: string;
  payload: TPayload;
}

export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate['requestId'] === 'string' && typeof candidate['actor'] === 'object' && candidate['actor'] !== null;
}
