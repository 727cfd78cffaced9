import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// During `npm run dev`, /api is proxied to a running server (LIFELONG_URL, default :8080).
export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: { '/api': process.env.LIFELONG_URL || 'http://127.0.0.1:8080' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1000,
  },
});
