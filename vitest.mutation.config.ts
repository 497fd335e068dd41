import { defineConfig } from 'vitest/config';

// The tests a mutation run uses: those that exercise src/ in process (the ones that spawn
// dist/main.js, a browser or promtool cannot see a mutant of src/).
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/simulator/**/*.test.ts', 'test/conformance/**/*.test.ts', 'test/golden/**/*.test.ts', 'test/hardening/faults.test.ts', 'test/interop/**/*.test.ts'],
    exclude: ['test/integration/process.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
