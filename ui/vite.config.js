// The console is served by sluice under /ui/ (src/server: embedded at build time, hashed asset
// names, immutable caching); nothing is fetched from another origin.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/ui/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // One small bundle; uPlot's CSS inlined into it.
    cssCodeSplit: false,
    chunkSizeWarningLimit: 400,
  },
});
