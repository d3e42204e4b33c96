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
  test: { environment: 'node', include: ['src/**/*.test.ts'] },
} as never);
