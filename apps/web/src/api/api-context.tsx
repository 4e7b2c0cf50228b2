import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Api } from './api';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}

/** Re-renders when the user signs in or out (including a refresh that failed). */
export function useSignedIn(): boolean {
  const { session } = useApi();
  return useSyncExternalStore(
    (onChange) => session.subscribe(onChange),
    () => session.signedIn || session.resumable,
  );
}
