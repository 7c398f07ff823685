/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const backend = "http://127.0.0.1:8000";

export default defineConfig({
  base: "/app/",
  plugins: [react()],
  build: {
    // The server serves the built app itself; see server/src/expacti_server/webapp.
    outDir: "../server/src/expacti_server/webapp/dist",
    emptyOutDir: true,
    // The server's CSP is `default-src 'self'`: keep every asset a file, never a data: URI.
    assetsInlineLimit: 0,
  },
  server: {
    proxy: {
      "/api": { target: backend, ws: true, changeOrigin: false },
      "/healthz": { target: backend },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./vitest.setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
