/**
 * One real server for the whole test run: started before the first test file, stopped
 * after the last. Every test file gets its address and an organisation's tokens through
 * `inject("expacti")` (see `serverInfo()` in `./server.ts`).
 */

import type { TestProject } from "vitest/node";

import { ServerProcess } from "./process.js";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await ServerProcess.start();
  try {
    project.provide("expacti", await server.newOrg());
  } catch (error) {
    await server.stop();
    throw error;
  }
  return async () => {
    await server.stop();
  };
}
