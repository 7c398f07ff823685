import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One real expacti server for every test file (test/support/global-setup.ts).
    globalSetup: ["test/support/global-setup.ts"],
    // Tests wait for real decisions from a real server; none relies on a duration.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
