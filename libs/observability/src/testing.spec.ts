import { parsePrometheusText, sampleValue } from './testing';

describe('parsePrometheusText', () => {
  it('reads samples with escaped label values, histograms line by line, and special values', () => {
    const samples = parsePrometheusText(
      [
        '# HELP x_seconds h',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{le="+Inf",a="b"} 3',
        'x_seconds_count{a="b"} 3',
        'msg_total{text="say \\"hi\\"\\nthen, go",b="\\\\"} 1.5e3',
        'up NaN',
        'down +Inf 1395066363000',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x_seconds_bucket', labels: { le: '+Inf', a: 'b' }, value: 3 },
      { name: 'x_seconds_count', labels: { a: 'b' }, value: 3 },
      { name: 'msg_total', labels: { text: 'say "hi"\nthen, go', b: '\\' }, value: 1500 },
      { name: 'up', labels: {}, value: NaN },
      { name: 'down', labels: {}, value: Infinity },
    ]);
    expect(sampleValue(samples, 'x_seconds_count', { a: 'b' })).toBe(3);
    expect(sampleValue(samples, 'x_seconds_count', { a: 'c' })).toBeUndefined();
  });

  it.each([['x_total{a=b} 1'], ['x_total 1 2 3'], ['x_total{a="b" 1'], ['9x 1'], ['x_total one']])('refuses %s', (line) => {
    expect(() => parsePrometheusText(line)).toThrow(/line 1/);
  });
});
