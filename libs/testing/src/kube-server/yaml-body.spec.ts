import { parse as parseYaml } from 'yaml';
import { parseYamlBody } from './yaml-body';

const outcome = (parse: (text: string) => unknown, text: string) => {
  try {
    return { value: parse(text) };
  } catch (error: unknown) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
};

describe('YAML request bodies', () => {
  it.each([
    [
      'a JSON apply patch',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"x":"1"}},"data":{"k":"v: \\"q\\" {}"}}',
    ],
    ['JSON with spacing, escapes, numbers and lists', ' {\n "a" : [1, 2.5, -0, 1e3, true, null, "\\u00e9\\/\\\\"],\t"b": {"c:": ":"} }\n'],
    ['a repeated key', '{"metadata":{"name":"a","name":"b"}}'],
    ['a repeated key inside a list', '[{"a":1,"b":2,"a":3}]'],
    ['YAML', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n'],
    ['YAML flow that is not JSON', '{a: 1, b: [x, y]}'],
    ['broken JSON', '{"a": '],
    ['an empty body', ''],
  ])('reads %s as the YAML parser does', (_, text) => {
    expect(outcome(parseYamlBody, text)).toEqual(outcome(parseYaml, text));
  });
});
