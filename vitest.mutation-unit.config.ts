import { defineConfig } from 'vitest/config';
import full from './vitest.mutation.config.js';

// The quick mutation pass: unit tests only, minutes instead of hours. A mutant that survives it may
// still die in the integration tests of the full pass (vitest.mutation.config.ts).
export default defineConfig({ ...full, test: { ...full.test, include: ['test/unit/**/*.test.ts'] } });
