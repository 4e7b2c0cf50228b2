import { parseRequestInfo } from '@cube/kube';
import { isAudited, isStreamingRequest } from './kube-request';

const parse = (method: string, pathAndQuery: string) => {
  const [path = '', query = ''] = pathAndQuery.split('?');
  return parseRequestInfo(method, path, new URLSearchParams(query));
};

describe('isAudited', () => {
  const audited = (method: string, path: string, reads = false) => isAudited(parse(method, path), reads);

  it('audits every write and every stream connection', () => {
    expect(audited('POST', '/api/v1/namespaces/a/pods')).toBe(true);
    expect(audited('PUT', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('PATCH', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('DELETE', '/api/v1/namespaces/a/pods/p')).toBe(true);
    expect(audited('DELETE', '/api/v1/namespaces/a/pods')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/exec?command=sh')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/attach')).toBe(true);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p/portforward?ports=80')).toBe(true);
  });

  it('leaves reads and discovery out unless reads are configured', () => {
    expect(audited('GET', '/api/v1/namespaces/a/pods')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods/p')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods?watch=1')).toBe(false);
    expect(audited('GET', '/api/v1/namespaces/a/pods', true)).toBe(true);
    expect(audited('GET', '/apis', true)).toBe(false);
  });
});

describe('isStreamingRequest', () => {
  const streaming = (path: string) => {
    const [p = '', q = ''] = path.split('?');
    return isStreamingRequest(parseRequestInfo('GET', p, new URLSearchParams(q)), new URLSearchParams(q));
  };

  it('streams watches and followed logs only', () => {
    expect(streaming('/api/v1/namespaces/a/pods?watch=1')).toBe(true);
    expect(streaming('/api/v1/watch/namespaces/a/pods')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods/p/log?follow=true')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods/p/log')).toBe(false);
    expect(streaming('/api/v1/namespaces/a/pods')).toBe(false);
  });

  it('reads the flags as kube-apiserver does: on unless 0 or false in any case, and a named GET is no watch', () => {
    expect(streaming('/api/v1/namespaces/a/pods?watch=TRUE')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods/p/log?follow=yes')).toBe(true);
    expect(streaming('/api/v1/namespaces/a/pods?watch=False')).toBe(false);
    expect(streaming('/api/v1/namespaces/a/pods/p/log?follow=0')).toBe(false);
    expect(streaming('/api/v1/namespaces/a/pods/p?watch=true')).toBe(false);
  });
});
