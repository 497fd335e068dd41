import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests before the rest: a mutant ends at its first failing test, so one a unit test kills
 * costs milliseconds instead of the simulator stacks of the integration tests ahead of it.
 */
class UnitTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const unit = (file: TestSpecification) => (file.moduleId.includes('/test/unit/') ? 0 : 1);
    return sorted.sort((a, b) => unit(a) - unit(b));
  }
}

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
    sequence: { sequencer: UnitTestsFirst },
  },
});
