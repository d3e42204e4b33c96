import { defineConfig } from 'vite';

// JSX through esbuild (no React plugin needed); the server serves dist/ at '/'.
export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // elkjs (1.5 MB, loaded only when a flow is laid out) is one chunk that cannot be split.
    chunkSizeWarningLimit: 1600,
    rollupOptions: {
      // @xyflow/react starts with "use client", meaningless in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:5080' } },
  // The unit tests are of modules without a DOM, and the one file that stubs a global (fetch) restores it after each
  // test: one module graph for all files instead of a fresh one per file, 24 -> 9 CPU-s for the same 139 tests
  // (bench/RESULTS.md, "Test suite time, fourteenth pass"). They pass in shuffled order this way too.
  test: { environment: 'node', include: ['src/**/*.test.ts'], isolate: false },
} as never);
