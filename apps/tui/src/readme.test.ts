import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BINDINGS } from './dashboard/keymap.js';

describe('README', () => {
  it('documents every key binding the dashboard declares', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const b of DEFAULT_BINDINGS) expect(readme).toContain(`| ${b.help.replace(/\|/g, '\\|')} |`);
  });
});
