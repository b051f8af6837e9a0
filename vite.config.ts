import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Builds the SPA in apps/web into apps/web/dist. In development `vite` proxies /api to the BFF.
export default defineConfig({
  root: 'apps/web',
  publicDir: '../../public',
  plugins: [react()],
  resolve: { conditions: ['development'] },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: `http://127.0.0.1:${process.env.PORT ?? 8080}`, changeOrigin: false } },
  },
});
