import { createRequire } from 'node:module';

/** This package's version, read from package.json (beside src/ in a checkout, beside dist/ when installed). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}
