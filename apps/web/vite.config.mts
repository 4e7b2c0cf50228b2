import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The production page refuses scripts from anywhere but its own origin, so an injected tag cannot
 * read the session (README "Web console"). Development keeps Vite's inline HMR preamble working.
 * Styles stay inline-able: Ant Design writes its CSS-in-JS into <style> elements.
 */
function contentSecurityPolicy(): Plugin {
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self' http: https: ws: wss:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join('; ');
  return {
    name: 'cube-content-security-policy',
    apply: 'build',
    transformIndexHtml: (html) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`),
  };
}

/** codemirror-json-schema's markdown renderer (markdown-it + Shiki's WebAssembly) replaced by src/ui/schema-markdown.ts. */
function plainSchemaMarkdown(): Plugin {
  const replacement = fileURLToPath(new URL('./src/ui/schema-markdown.ts', import.meta.url));
  return {
    name: 'cube-plain-schema-markdown',
    enforce: 'pre',
    resolveId: (source, importer) =>
      importer?.includes('codemirror-json-schema') && /\/utils\/markdown(\.js)?$/.test(source) ? replacement : null,
  };
}

// `npm run web` proxies the API to a local `npm start` (CUBE_GATEWAY_URL), so development needs no CORS;
// a hosted build reads the gateway's address from /config.json instead.
const gateway = process.env['CUBE_GATEWAY_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), plainSchemaMarkdown()],
  resolve: {
    // The one browser-safe entry of a Cube lib (it imports nothing): the grant rule the identity service applies.
    alias: { '@cube/auth/grantable-roles': fileURLToPath(new URL('../../libs/auth/src/grantable-roles.ts', import.meta.url)) },
  },
  server: {
    host: '127.0.0.1',
    port: 4200,
    proxy: {
      '/api': { target: gateway, ws: true, changeOrigin: false },
      '/.well-known': { target: gateway },
    },
  },
  build: {
    outDir: '../../dist/apps/web',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test-setup.ts'],
    css: false,
    // Its ESM build imports files without extensions, which only a bundler resolves: let Vite transform it.
    server: { deps: { inline: ['codemirror-json-schema'] } },
    // Ant Design renders slowly in jsdom on a shared two-core machine; tests assert behaviour, not speed.
    testTimeout: 30_000,
  },
});
