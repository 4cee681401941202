import { defineConfig } from 'vitest/config';
import { sharedTestConfig } from '../vitest.shared.js';

const config = sharedTestConfig(import.meta.dirname);
export default defineConfig({ ...config, test: { ...config.test, include: ['**/*.test.ts'], exclude: ['**/node_modules/**'] } });
