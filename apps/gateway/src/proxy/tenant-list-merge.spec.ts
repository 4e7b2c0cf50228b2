import { readFileSync } from 'node:fs';
import { ProxyError } from './kube-status';
import {
  decodeContinue,
  decodeVersions,
  encodeContinue,
  encodeVersions,
  jsonAccept,
  mergeAnswers,
  parseLabelSelector,
  parseNamespaceFieldSelector,
  wantsTable,
} from './tenant-list-merge';

/** A real kube-apiserver's Table of configmaps (shared/k8s-reference). */
function referenceTable(): Record<string, unknown> {
  const file = `${process.env['K8S_REFERENCE_DIR'] ?? '/work/shared/k8s-reference'}/cm-list-as-table.json`;
  return (JSON.parse(readFileSync(file, 'utf8')) as { body: Record<string, unknown> }).body;
}

const KUBECTL_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('tenant-wide list tokens', () => {
  it('round-trips a continue: namespace, the member’s own continue and every namespace’s resourceVersion', () => {
    const position = { namespace: 'acme-b', inner: 'eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ', versions: { 'acme-a': '325', 'acme-b': '331' } };
    expect(decodeContinue(encodeContinue(position))).toEqual(position);
    expect(decodeContinue(encodeContinue({ namespace: 'acme-c', versions: {} }))).toEqual({ namespace: 'acme-c', versions: {} });
  });

  it.each([
    ['not base64url', 'a.b'],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['a member’s own token', 'eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MzI1LCJzdGFydCI6ImMxXHUwMDAwIn0'],
    ['a resourceVersion token', encodeVersions({ a: '1' })],
  ])('refuses a continue that is %s with a 400', (_what, token) => {
    const error = (() => {
      try {
        decodeContinue(token);
      } catch (thrown: unknown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ProxyError);
    expect((error as ProxyError).status).toBe(400);
    expect((error as ProxyError).message).toMatch(/^continue key is not valid/);
  });

  it('reads a resourceVersion as per namespace when it is the proxy’s, else as the member’s own for all', () => {
    expect(decodeVersions(encodeVersions({ 'acme-a': '325', 'acme-b': '7' }))).toEqual({ each: { 'acme-a': '325', 'acme-b': '7' } });
    expect(decodeVersions('325')).toEqual({ all: '325' });
    expect(decodeVersions('0')).toEqual({ all: '0' });
  });
});

describe('merging per-namespace answers', () => {
  it('concatenates Table rows under the first answer’s columns, with the proxy’s list metadata', () => {
    const table = referenceTable();
    const second = { ...table, metadata: { resourceVersion: '400', continue: 'inner' }, rows: [{ cells: ['other', 0, '1s'] }] };
    const merged = mergeAnswers(
      [
        { namespace: 'ref', body: table },
        { namespace: 'zed', body: second },
      ],
      { resourceVersion: 'token', continue: 'next' },
      { kind: 'ConfigMapList', apiVersion: 'v1', table: false },
    );
    expect(merged['kind']).toBe('Table');
    expect(merged['apiVersion']).toBe('meta.k8s.io/v1');
    expect(merged['metadata']).toEqual({ resourceVersion: 'token', continue: 'next' });
    expect(merged['columnDefinitions']).toEqual(table['columnDefinitions']);
    expect(merged['rows']).toEqual([...(table['rows'] as unknown[]), { cells: ['other', 0, '1s'] }]);
  });

  it('concatenates List items in namespace order and says no continue on the last page', () => {
    const list = (namespace: string, ...names: string[]) => ({
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: '9' },
      items: names.map((name) => ({ metadata: { name, namespace } })),
    });
    const merged = mergeAnswers(
      [
        { namespace: 'a', body: list('a', 'x', 'y') },
        { namespace: 'b', body: list('b', 'w') },
      ],
      { resourceVersion: 'token' },
      { kind: 'ConfigMapList', apiVersion: 'v1', table: false },
    );
    expect(merged).toEqual({
      kind: 'ConfigMapList',
      apiVersion: 'v1',
      metadata: { resourceVersion: 'token' },
      items: [
        { metadata: { name: 'x', namespace: 'a' } },
        { metadata: { name: 'y', namespace: 'a' } },
        { metadata: { name: 'w', namespace: 'b' } },
      ],
    });
    // Nothing left to read (a last page after a full one): an empty list of the resource's kind.
    expect(mergeAnswers([], { resourceVersion: 't' }, { kind: 'PodList', apiVersion: 'v1', table: true })).toMatchObject({
      kind: 'Table',
      rows: [],
    });
    expect(mergeAnswers([], { resourceVersion: 't' }, { kind: 'PodList', apiVersion: 'v1', table: false })).toEqual({
      kind: 'PodList',
      apiVersion: 'v1',
      metadata: { resourceVersion: 't' },
      items: [],
    });
  });
});

describe('what the member is asked per namespace', () => {
  it('keeps kubectl’s Table and JSON forms and drops protobuf, which could not be merged', () => {
    expect(jsonAccept(KUBECTL_ACCEPT)).toBe(KUBECTL_ACCEPT);
    expect(wantsTable(jsonAccept(KUBECTL_ACCEPT))).toBe(true);
    expect(jsonAccept('application/vnd.kubernetes.protobuf,application/json')).toBe('application/json');
    expect(jsonAccept(undefined)).toBe('application/json');
    expect(jsonAccept('application/vnd.kubernetes.protobuf')).toBeUndefined();
    expect(wantsTable('application/json')).toBe(false);
  });
});

describe('selectors applied to namespaces', () => {
  const matches = (selector: string, labels: Record<string, string>) =>
    parseLabelSelector(selector).every((requirement) => requirement(labels));

  it.each([
    ['a=b', { a: 'b' }, true],
    ['a==b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a!=b', { a: 'b' }, false],
    ['a in (x, y)', { a: 'y' }, true],
    ['a notin (x,y)', { a: 'y' }, false],
    ['a notin (x,y)', {}, true],
    ['a', { a: '' }, true],
    ['!a', { a: '' }, false],
    ['cube.io/tenant=acme,!b', { 'cube.io/tenant': 'acme' }, true],
    ['cube.io/tenant=acme, b', { 'cube.io/tenant': 'acme' }, false],
  ])('label selector %s on %j is %s', (selector, labels, expected) => {
    expect(matches(selector, labels as Record<string, string>)).toBe(expected);
  });

  it('refuses a label selector kube-apiserver would not parse', () => {
    expect(() => parseLabelSelector('a=(b')).toThrow(ProxyError);
  });

  it('selects namespaces by metadata.name and status.phase, and refuses other fields', () => {
    const ns = { metadata: { name: 'acme-a' }, status: { phase: 'Active' } };
    const all = (selector: string) => parseNamespaceFieldSelector(selector).every((requirement) => requirement(ns));
    expect(all('metadata.name=acme-a')).toBe(true);
    expect(all('metadata.name!=acme-a')).toBe(false);
    expect(all('status.phase==Active,metadata.name=acme-a')).toBe(true);
    expect(() => parseNamespaceFieldSelector('spec.finalizers=x')).toThrow(ProxyError);
  });
});
