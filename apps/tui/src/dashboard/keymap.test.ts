import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKeyMap, DEFAULT_BINDINGS, hints, keyName, loadBindings } from './keymap.js';

describe('key map', () => {
  it('maps every default key to exactly one action', () => {
    const keys = DEFAULT_BINDINGS.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(buildKeyMap(DEFAULT_BINDINGS).get('q')).toBe('quit');
    expect(buildKeyMap(DEFAULT_BINDINGS).get('/')).toBe('filter');
  });

  it('names keys the way Ink reports them', () => {
    expect(keyName('', { upArrow: true })).toBe('up');
    expect(keyName('', { escape: true })).toBe('escape');
    expect(keyName('c', { ctrl: true })).toBe('ctrl+c');
    expect(keyName('G', {})).toBe('G');
  });

  it('takes overrides from a file and reports bad entries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svcnet-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ quit: ['x'], bogus: ['z'] }));
    const warnings: string[] = [];
    const bindings = loadBindings(file, (m) => warnings.push(m));
    expect(buildKeyMap(bindings).get('x')).toBe('quit');
    expect(buildKeyMap(bindings).get('q')).toBeUndefined();
    expect(warnings.join()).toContain('"bogus" is not an action');
    expect(hints(bindings, ['quit'])).toBe('x quit');
  });

  it('keeps the defaults when the file is unreadable', () => {
    const warnings: string[] = [];
    const bindings = loadBindings('/nonexistent/keys.json', (m) => warnings.push(m));
    expect(buildKeyMap(bindings).get('q')).toBe('quit');
    expect(warnings[0]).toContain('using the default keys');
  });
});
