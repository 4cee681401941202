import type { ViteUserConfig } from 'vitest/config';

/**
 * One test configuration for every package: tests resolve workspace packages to their TypeScript
 * sources through the `@svcnet/source` export condition, so `npm test` needs no build first.
 */
export function sharedTestConfig(root: string): ViteUserConfig {
  const conditions = ['@svcnet/source', 'node', 'import', 'module', 'default'];
  return {
    root,
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['@svcnet/source'] } },
    test: {
      include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.{ts,tsx}'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      // Tests that own network namespaces or servers clean up in afterAll; forks isolate them.
      pool: 'forks',
      reporters: ['default'],
      passWithNoTests: false,
    },
  };
}
