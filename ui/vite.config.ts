import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

// `--mode test` builds a second entry (test.html) that installs the in-memory fake backend
// before the app starts; the normal build ships only index.html.
export default defineConfig(({ mode }) => {
  const test = mode === 'test';
  const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));
  const input: Record<string, string> = { main: page('index.html') };
  if (test) input.test = page('test.html');
  return {
    plugins: [svelte()],
    clearScreen: false,
    server: { port: 1420, strictPort: true },
    preview: { port: test ? 4179 : 1421, strictPort: true },
    build: {
      target: 'es2022',
      outDir: test ? 'dist-test' : 'dist',
      emptyOutDir: true,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input,
      },
    },
  };
});
