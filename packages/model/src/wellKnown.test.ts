import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as wellKnown from './wellKnown.js';
import { SIMULATED_ANNOTATION, SIMULATED_ENDPOINTS_ANNOTATION } from './simulatedPods.js';

// The guard of "Kubernetes' words live once, in @svcnet/model" (CONVENTIONS.md): no other package's
// or app's source spells a well-known label, annotation or value. It reads the other workspaces'
// src/ as text (tests and generated files aside) and looks at string literals only, so prose in
// comments and help text may still name a label.
const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Places allowed to spell a name, each with its reason. CLI declarations import no package, so that
 * `svcnet --help` starts fast; apps/tui's render.test.ts holds that default equal to model's.
 */
const ALLOWED: Record<string, readonly string[]> = {
  'apps/tui/src/commands/render.ts': [wellKnown.DEFAULT_INGRESS_CONTROLLER],
};

/** A whole literal shaped like a prefixed label or annotation key of these domains; group versions (`svcnet.io/v1alpha1`) aside. */
const NAME_SHAPE = /^([a-z0-9-]+\.)*(kubernetes\.io|k8s\.io|svcnet\.io)\/(?!v\d+((alpha|beta)\d+)?$)[A-Za-z0-9][A-Za-z0-9._-]*\/?$/;

const KNOWN = new Set<string>([...Object.values(wellKnown), SIMULATED_ANNOTATION, SIMULATED_ENDPOINTS_ANNOTATION]);

/** The string literals of a TypeScript source (quoted and template text), skipping comments. */
export function stringLiterals(text: string): { value: string; line: number }[] {
  const out: { value: string; line: number }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      line++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      for (let k = i; k < stop; k++) if (text[k] === '\n') line++;
      i = stop - 1;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = line;
      let value = '';
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\\') value += text[i++];
        if (text[i] === '\n') line++;
        value += text[i];
      }
      out.push({ value, line: start });
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$|\.generated\.ts$|\.d\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

function otherSources(): string[] {
  const files: string[] = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory() || (group === 'packages' && entry.name === 'model')) continue;
      try {
        files.push(...sourceFiles(join(root, group, entry.name, 'src')));
      } catch {
        // a workspace without src/
      }
    }
  }
  return files;
}

describe('well-known names', () => {
  it('finds a spelled name in code and not in comments', () => {
    const found = stringLiterals(`// 'kubernetes.io/service-name'\n/* "svcnet.io/pod-ips" */\nconst a = { 'kubernetes.io/service-name': x };\nconst b = \`type=\${t}\`;`);
    expect(found).toEqual([
      { value: 'kubernetes.io/service-name', line: 3 },
      { value: 'type=${t}', line: 4 },
    ]);
    expect(NAME_SHAPE.test('topology.kubernetes.io/zone')).toBe(true);
    expect(NAME_SHAPE.test('svcnet.io/v1alpha1')).toBe(false);
    expect(NAME_SHAPE.test('the kubernetes.io/ingress.class annotation')).toBe(false);
  });

  it('are spelled in @svcnet/model only', () => {
    const files = otherSources();
    expect(files.length).toBeGreaterThan(100);
    const spelled: string[] = [];
    for (const file of files) {
      const rel = relative(root, file);
      for (const { value, line } of stringLiterals(readFileSync(file, 'utf8'))) {
        if ((KNOWN.has(value) || NAME_SHAPE.test(value)) && !ALLOWED[rel]?.includes(value)) spelled.push(`${rel}:${line}: '${value}'`);
      }
    }
    // Import the name from @svcnet/model (wellKnown.ts), adding it there if it is new.
    expect(spelled).toEqual([]);
  });
});
