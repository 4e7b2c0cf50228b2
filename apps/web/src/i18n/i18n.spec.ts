import { describe, expect, it } from 'vitest';
import { en } from './en';
import { zhCN } from './zh-cn';

const keysOf = (value: unknown, prefix = ''): string[] =>
  typeof value === 'string'
    ? [prefix]
    : Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => keysOf(child, prefix ? `${prefix}.${key}` : key));

// Every component source as text (Vite's glob import), to find the keys they translate.
const sources = import.meta.glob<string>(['../**/*.ts', '../**/*.tsx', '!../**/*.spec.*', '!../**/*.gen.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

describe('translations', () => {
  it('has every English string in Simplified Chinese, and nothing else', () => {
    expect(keysOf(zhCN).sort()).toEqual(keysOf(en).sort());
    for (const key of keysOf(zhCN)) expect(key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], zhCN)).not.toBe('');
  });

  it('defines every literal key the components translate', () => {
    const known = new Set(keysOf(en));
    const used = Object.values(sources).flatMap((text) => [...text.matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z.]+)'/g)].map((m) => m[1] as string));
    expect(used.length).toBeGreaterThan(100);
    expect(used.filter((key) => !known.has(key))).toEqual([]);
  });
});
