/**
 * RFC 4515 §3: in a filter's assertion value, `*`, `(`, `)`, `\` and NUL are written as `\` and
 * two hex digits. Without it a user name like `*)(uid=*` would rewrite the search.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Fills `{name}` placeholders of a configured filter template with escaped values. */
export function fillFilter(template: string, values: Record<string, string>): string {
  return template.replace(/\{([a-z]+)\}/g, (placeholder, name: string) => {
    const value = values[name];
    return value === undefined ? placeholder : escapeFilterValue(value);
  });
}

/**
 * A loose DN comparison for matching directory groups with the configured mapping: attribute
 * names and values compared case-insensitively (as for the usual cn/ou/dc attributes), spaces
 * around separators ignored. Not full RFC 4514 canonicalisation, which needs the schema.
 */
export function sameDn(a: string, b: string): boolean {
  const normalize = (dn: string) =>
    dn
      .trim()
      .replace(/\s*([,=+])\s*/g, '$1')
      .toLowerCase();
  return normalize(a) === normalize(b);
}
