import { availableParallelism } from "node:os";

import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/** Files that wait long for the server, started first so that the rest runs beside them. */
const LONG = ["test/escalation.test.ts"];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const long = (file: TestSpecification): boolean => LONG.some((name) => file.moduleId.endsWith(name));
    return [...sorted.filter(long), ...sorted.filter((file) => !long(file))];
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One real expacti server for every test file (test/support/global-setup.ts).
    globalSetup: ["test/support/global-setup.ts"],
    // Test files mostly wait for the server (one a minute, for an escalation), not for the
    // CPU: run several at once even on a small machine, the longest first.
    maxWorkers: Math.max(4, availableParallelism() - 1),
    sequence: { sequencer: LongFirst },
    // Tests wait for real decisions from a real server; none relies on a duration.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
