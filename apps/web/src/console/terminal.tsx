import { lazy, Suspense } from 'react';
import { PageLoading } from '../ui/page-state';
import type { OpenedSession } from './web-terminal';

// xterm.js is a chunk of its own, fetched the first time a terminal opens.
const WebTerminal = lazy(() => import('./web-terminal'));

export function LazyTerminal(props: { open: () => Promise<OpenedSession>; label: string }) {
  return (
    <Suspense fallback={<PageLoading />}>
      <WebTerminal {...props} />
    </Suspense>
  );
}
