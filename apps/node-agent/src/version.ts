import { readFileSync } from 'node:fs';

/** The package version, read at run time from src/ or dist/ alike (both sit beside package.json's folder). */
export function agentVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0-unknown';
  }
}
