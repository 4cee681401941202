import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

export interface ReleasedPackage {
  name: string;
  version: string;
  /** Folder in the workspace, e.g. packages/dns */
  dir: string;
  /** A command-line app (has `bin`) rather than a library. */
  app: boolean;
}

/** The projects `nx release` versions and publishes (nx.json release.projects), with their folders. */
export function releasedPackages(): ReleasedPackage[] {
  const nx = JSON.parse(readFileSync(join(ROOT, 'nx.json'), 'utf8')) as { release?: { projects?: string[] } };
  const byName = new Map<string, ReleasedPackage>();
  for (const parent of ['packages', 'apps']) {
    for (const folder of readdirSync(join(ROOT, parent))) {
      const file = join(ROOT, parent, folder, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string; bin?: object };
      byName.set(pkg.name, { name: pkg.name, version: pkg.version, dir: `${parent}/${folder}`, app: !!pkg.bin });
    }
  }
  return (nx.release?.projects ?? []).map((name) => {
    const pkg = byName.get(name);
    if (!pkg) throw new Error(`nx.json release.projects: "${name}" is not a package under packages/ or apps/`);
    return pkg;
  });
}

/** Folders under packages/ and apps/ whose package.json is not private: all of them must be released. */
export function publicWorkspaces(): string[] {
  return ['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(ROOT, parent))
      .filter((f) => existsSync(join(ROOT, parent, f, 'package.json')))
      .filter((f) => !(JSON.parse(readFileSync(join(ROOT, parent, f, 'package.json'), 'utf8')) as { private?: boolean }).private)
      .map((f) => JSON.parse(readFileSync(join(ROOT, parent, f, 'package.json'), 'utf8')).name as string),
  );
}
