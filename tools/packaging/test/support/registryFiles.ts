import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface PackageVersion {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  dist: { tarball: string; integrity: string; fileCount?: number; unpackedSize?: number };
}

export interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, PackageVersion>;
}

/** A package's document on the registry at `registry` (what `npm view` reads), or an error. */
export async function packument(registry: string, name: string): Promise<Packument> {
  const res = await fetch(new URL(name.replace('/', '%2f'), registry), { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${name} from ${registry}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Packument;
}

/** Downloads the tarball of `name@version` into `dir`; returns its path and size in bytes. */
export async function downloadTarball(registry: string, name: string, version: string, dir: string): Promise<{ file: string; bytes: number }> {
  const doc = await packument(registry, name);
  const v = doc.versions[version];
  if (!v) throw new Error(`${name}@${version} is not on ${registry} (versions: ${Object.keys(doc.versions).join(', ')})`);
  const res = await fetch(v.dist.tarball, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`GET ${v.dist.tarball}: ${res.status}`);
  const data = Buffer.from(await res.arrayBuffer());
  const file = join(dir, `${name.replace('@', '').replace('/', '-')}-${version}.tgz`);
  await writeFile(file, data);
  return { file, bytes: data.length };
}
