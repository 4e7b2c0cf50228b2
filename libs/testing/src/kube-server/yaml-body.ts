// YAML request bodies. JSON is YAML, and clients (kubectl, client-go, Warden) send apply patches as
// JSON: parsing those with the YAML parser cost more than the rest of a server-side apply. A JSON body
// is read with JSON.parse when that gives what the YAML parser would: the text parses as JSON and has
// no repeated key (the YAML parser refuses those, JSON.parse keeps the last). Anything else goes to
// the YAML parser, errors included.
import { parse as parseYaml } from 'yaml';

export function parseYamlBody(text: string): unknown {
  const first = firstNonSpace(text);
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return parseYaml(text);
    }
    if (countKeys(parsed) === countKeyTokens(text)) return parsed;
  }
  return parseYaml(text);
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}

/** Keys of every object in a parsed JSON value. */
function countKeys(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  if (Array.isArray(value)) {
    for (const item of value) n += countKeys(item);
    return n;
  }
  for (const key in value) {
    n += 1 + countKeys((value as Record<string, unknown>)[key]);
  }
  return n;
}

/** Strings followed by `:` in a valid JSON text: its object keys, repeated ones included. */
function countKeyTokens(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 0x22 /* " */) continue;
    // Skip the string, escapes included.
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22) break;
    }
    let j = i + 1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      j++;
    }
    if (text.charCodeAt(j) === 0x3a /* : */) n++;
  }
  return n;
}
