import { matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

describe('label selectors (apimachinery labels.Parse)', () => {
  const labels = { app: 'web', tier: 'frontend', version: '3' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['missing!=x', true],
    ['tier in (frontend, backend)', true],
    ['tier notin (frontend)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['!app', false],
    ['!missing', true],
    ['version>2', true],
    ['version<3', false],
    ['app=web,tier in (backend)', false],
    ['app=web , tier', true],
  ];
  it.each(cases)('%s → %s', (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('refuses malformed selectors', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(SelectorError);
    expect(() => parseLabelSelector('version>x')).toThrow(SelectorError);
    expect(() => parseLabelSelector('app=web)')).toThrow(SelectorError);
  });
});

describe('field selectors (apimachinery fields.ParseSelector)', () => {
  it('parses =, == and != terms', () => {
    expect(parseFieldSelector('metadata.name=a,status.phase!=Running,spec.nodeName==n1')).toEqual([
      { field: 'metadata.name', value: 'a', equal: true },
      { field: 'status.phase', value: 'Running', equal: false },
      { field: 'spec.nodeName', value: 'n1', equal: true },
    ]);
  });
});
