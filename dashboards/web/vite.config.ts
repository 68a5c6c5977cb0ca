import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Built into dist/, which services/api serves at `/` (and index.html for unknown paths, so the
// client-side routes work on reload). In development, `npm run dev --workspace dashboards/web`
// proxies the JSON API and the SSE stream to a running services/api.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 900 },
  server: {
    proxy: { '/v1': { target: 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
