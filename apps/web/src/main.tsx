import { createRoot } from 'react-dom/client';
import { createApi } from './api/api';
import { App } from './app/app';
import { loadRuntimeConfig } from './config';
import { initI18n } from './i18n/i18n';

async function start(): Promise<void> {
  const [config] = await Promise.all([loadRuntimeConfig(), initI18n()]);
  const api = createApi(config.gatewayUrl, window.sessionStorage);
  createRoot(document.getElementById('root') as HTMLElement).render(<App api={api} />);
}

void start().catch((error: unknown) => {
  // Nothing else can render without config.json: say so plainly.
  const root = document.getElementById('root');
  if (root) root.textContent = `Cube could not start: ${String(error)}`;
});
