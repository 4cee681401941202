// The production dependencies of every svcnet package and app (their `dependencies`, followed
// transitively through node_modules; devDependencies excluded) with each one's licence.
// Run: node --import tsx test/security/productionLicenses.ts [--json]
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Dependency {
  name: string;
  version: string;
  license: string;
  /** Which svcnet package pulled it in first. */
  via: string;
}

type Manifest = { name?: string; version?: string; license?: string | { type?: string }; licenses?: { type?: string }[]; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Manifest;

function licenseOf(m: Manifest): string {
  if (typeof m.license === 'string') return m.license;
  if (m.license?.type) return m.license.type;
  if (m.licenses?.length) return m.licenses.map((l) => l.type).join(' OR ');
  return 'UNKNOWN';
}

/** Node's lookup: the nearest node_modules/<name> walking up from `from`. */
function locate(name: string, from: string, root: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

export function productionDependencies(root: string): Dependency[] {
  const workspaces = ['packages', 'apps']
    .flatMap((d) => (existsSync(join(root, d)) ? readdirSync(join(root, d)).map((p) => join(root, d, p)) : []))
    .filter((d) => existsSync(join(d, 'package.json')));
  const seen = new Map<string, Dependency>();
  for (const ws of workspaces) {
    const wsName = readJson(join(ws, 'package.json')).name ?? ws;
    const stack: Array<[string, string]> = Object.keys({ ...readJson(join(ws, 'package.json')).dependencies }).map((n) => [n, ws]);
    while (stack.length) {
      const [name, from] = stack.pop()!;
      if (name.startsWith('@svcnet/')) continue;
      const dir = locate(name, from, root);
      if (!dir) continue; // an optional dependency not installed on this platform
      const m = readJson(join(dir, 'package.json'));
      const key = `${name}@${m.version}`;
      if (seen.has(key)) continue;
      seen.set(key, { name, version: m.version ?? '?', license: licenseOf(m), via: wsName });
      for (const dep of Object.keys({ ...m.dependencies, ...m.optionalDependencies })) stack.push([dep, dir]);
    }
  }
  return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const deps = productionDependencies(root);
  if (process.argv.includes('--json')) console.log(JSON.stringify(deps, null, 2));
  else {
    const counts = new Map<string, number>();
    for (const d of deps) counts.set(d.license, (counts.get(d.license) ?? 0) + 1);
    for (const d of deps) console.log(`${d.name}@${d.version}\t${d.license}\t(${d.via})`);
    console.log(`\n${deps.length} production dependencies: ${[...counts].map(([l, n]) => `${l} ${n}`).join(', ')}`);
  }
}
