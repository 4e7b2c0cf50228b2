// Sets of field paths as sigs.k8s.io/structured-merge-diff keeps them (fieldpath.Set), stored as a trie
// whose keys are the FieldsV1 path elements: `f:<field>`, `k:<json of key fields>`, `v:<json value>`,
// `i:<index>`. A node's `members` are paths that end there; `children` hold longer paths.
import { isJsonObject, type JsonObject, type JsonValue } from './json-value';

export type PathElement = string;
export type FieldPath = PathElement[];

export class FieldSet {
  readonly members = new Set<PathElement>();
  readonly children = new Map<PathElement, FieldSet>();

  static of(paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** fieldpath.Set.Insert: the empty path (the whole object) is not tracked. */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    const [pe, ...rest] = path;
    if (rest.length === 0) {
      this.members.add(pe);
      return;
    }
    let child = this.children.get(pe);
    if (!child) {
      child = new FieldSet();
      this.children.set(pe, child);
    }
    child.insert(rest);
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    const [pe, ...rest] = path;
    if (rest.length === 0) return this.members.has(pe);
    return this.children.get(pe)?.has(rest) ?? false;
  }

  isEmpty(): boolean {
    return this.members.size === 0 && [...this.children.values()].every((child) => child.isEmpty());
  }

  union(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const pe of [...this.members, ...other.members]) out.members.add(pe);
    for (const pe of new Set([...this.children.keys(), ...other.children.keys()])) {
      const mine = this.children.get(pe) ?? new FieldSet();
      const theirs = other.children.get(pe) ?? new FieldSet();
      const child = mine.union(theirs);
      if (!child.isEmpty()) out.children.set(pe, child);
    }
    return out;
  }

  /** fieldpath.Set.Difference: removes exactly the paths of `other` (not their descendants). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const pe of this.members) if (!other.members.has(pe)) out.members.add(pe);
    for (const [pe, mine] of this.children) {
      const theirs = other.children.get(pe);
      const child = theirs ? mine.difference(theirs) : mine.union(new FieldSet());
      if (!child.isEmpty()) out.children.set(pe, child);
    }
    return out;
  }

  /** fieldpath.Set.RecursiveDifference with `prefixes`: drops those paths and everything under them. */
  withoutSubtrees(prefixes: FieldPath[]): FieldSet {
    let out = this.union(new FieldSet());
    for (const prefix of prefixes) out = out.dropSubtree(prefix);
    return out;
  }

  private dropSubtree(prefix: FieldPath): FieldSet {
    const out = this.union(new FieldSet());
    const [pe, ...rest] = prefix;
    if (pe === undefined) return new FieldSet();
    if (rest.length === 0) {
      out.members.delete(pe);
      out.children.delete(pe);
      return out;
    }
    const child = out.children.get(pe);
    if (child) {
      const pruned = child.dropSubtree(rest);
      if (pruned.isEmpty()) out.children.delete(pe);
      else out.children.set(pe, pruned);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const pe of this.members) if (other.members.has(pe)) out.members.add(pe);
    for (const [pe, mine] of this.children) {
      const theirs = other.children.get(pe);
      if (!theirs) continue;
      const child = mine.intersection(theirs);
      if (!child.isEmpty()) out.children.set(pe, child);
    }
    return out;
  }

  /** All paths in fieldpath.Set.Iterate order: this node's members, then each child's paths, sorted. */
  paths(prefix: FieldPath = []): FieldPath[] {
    const out: FieldPath[] = [...this.members].sort(comparePathElements).map((pe) => [...prefix, pe]);
    for (const pe of [...this.children.keys()].sort(comparePathElements)) {
      out.push(...(this.children.get(pe) as FieldSet).paths([...prefix, pe]));
    }
    return out;
  }

  /** metav1.FieldsV1 JSON (fieldpath.Set.ToJSON): `{}` for a leaf, `".": {}` for a member with children. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    const elements = [...new Set([...this.members, ...this.children.keys()])].sort(comparePathElements);
    for (const pe of elements) {
      const child = this.children.get(pe);
      if (child && !child.isEmpty()) {
        const node: JsonObject = this.members.has(pe) ? { '.': {} } : {};
        out[pe] = Object.assign(node, child.toFieldsV1());
      } else {
        out[pe] = {};
      }
    }
    return out;
  }

  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    const set = new FieldSet();
    if (!isJsonObject(fields)) return set;
    for (const [pe, value] of Object.entries(fields)) {
      if (pe === '.') continue;
      const nested = isJsonObject(value) ? value : {};
      const keys = Object.keys(nested);
      if (keys.length === 0 || keys.includes('.')) set.members.add(pe);
      const child = FieldSet.fromFieldsV1(nested);
      if (!child.isEmpty()) set.children.set(pe, child);
    }
    return set;
  }
}

const ELEMENT_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** fieldpath.PathElement.Compare: field names, then keys, then values, then indexes. */
export function comparePathElements(a: PathElement, b: PathElement): number {
  const byType = (ELEMENT_ORDER[a[0]] ?? 9) - (ELEMENT_ORDER[b[0]] ?? 9);
  if (byType !== 0) return byType;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{...}` with the key fields sorted by name, as fieldpath serializes a key. */
export function keyElement(keyFields: Record<string, JsonValue>): PathElement {
  const sorted: Record<string, JsonValue> = {};
  for (const name of Object.keys(keyFields).sort()) sorted[name] = keyFields[name];
  return `k:${JSON.stringify(sorted)}`;
}

export function valueElement(value: JsonValue): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** value.ToString: strings quoted, numbers and booleans bare. */
function valueToString(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(valueToString).join(',')}]`;
  if (isJsonObject(value))
    return Object.entries(value)
      .map(([k, v]) => `${k}=${valueToString(v)}`)
      .join('');
  return String(value);
}

/** fieldpath.Path.String, as conflict messages print it: `.spec.containers[name="app"].image`. */
export function pathToString(path: FieldPath): string {
  return path
    .map((pe) => {
      const body = pe.slice(2);
      switch (pe[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const fields = JSON.parse(body) as Record<string, JsonValue>;
          return `[${Object.entries(fields)
            .map(([k, v]) => `${k}=${valueToString(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${valueToString(JSON.parse(body) as JsonValue)}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
