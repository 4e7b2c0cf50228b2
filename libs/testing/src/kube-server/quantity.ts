// resource.Quantity arithmetic for quota accounting (k8s.io/apimachinery/pkg/api/resource):
// values held in milli-units, printed back in the canonical form the real server uses.
const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Parses a quantity into milli-units (e.g. "500m" → 500, "1" → 1000, "1Ki" → 1024000). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === 'number') return Math.round(q * 1000);
  const m = /^([+-]?[0-9.]+)(?:[eE]([+-]?\d+))?([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]) * (m[2] ? 10 ** Number(m[2]) : 1);
  const suffix = m[3];
  const mult = BINARY[suffix] ?? DECIMAL[suffix] ?? 1;
  return Math.round(n * mult * 1000);
}

/** Canonical form: whole numbers plain (or with a binary suffix when `binary`), else milli-units. */
export function formatQuantity(milli: number, binary = false): string {
  if (milli % 1000 !== 0) return `${milli}m`;
  const v = milli / 1000;
  if (binary && v !== 0) {
    for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) if (v % BINARY[s] === 0) return `${v / BINARY[s]}${s}`;
  }
  return String(v);
}

export function isBinaryQuantity(q: string | undefined): boolean {
  return !!q && /[KMGTPE]i$/.test(q);
}
