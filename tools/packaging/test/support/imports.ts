import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The packages that the published JavaScript and declaration files under `dir` import (static,
 * dynamic and type imports, re-exports, require), each with the first file that does: what a user's
 * Node and TypeScript will look for in node_modules.
 */
export function importedPackages(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !/\.(m?js|d\.ts)$/.test(e.name)) continue;
    const file = join(e.parentPath, e.name);
    const text = readFileSync(file, 'utf8');
    const info = ts.preProcessFile(text, true, true);
    const names = [
      ...info.importedFiles.map((ref) => packageName(ref.fileName)),
      // `/// <reference types="node" />`: Node's own types come from the user's @types/node, as for
      // every library that runs on Node; any other reference is a package of its own.
      ...info.typeReferenceDirectives.map((ref) => (ref.fileName === 'node' ? undefined : `@types/${ref.fileName}`)),
    ];
    // A package found by resolution rather than imported (`require.resolve('node-api-headers/package.json')`
    // in @svcnet/dns's install script) is used all the same.
    for (const m of text.matchAll(/(?:\brequire|\))\.resolve\(\s*['"]([^'"./][^'"]*)['"]/g)) names.push(packageName(m[1]!));
    for (const name of names) if (name && !found.has(name)) found.set(name, relative(dir, file));
  }
  return found;
}

/** `@scope/name` or `name` of a bare specifier; undefined for relative paths and Node's built-ins. */
export function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}
