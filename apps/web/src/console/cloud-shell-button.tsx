import { Button } from 'antd';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';

const CloudShellDrawer = lazy(() => import('./cloud-shell-drawer'));

/** The header's CloudShell entry; the drawer (and xterm.js) load when it is first opened. */
export function CloudShellButton() {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button type="text" style={{ color: '#fff' }} onClick={() => setOpen(true)}>
        {t('console.cloudShell')}
      </Button>
      {open ? (
        <Suspense fallback={null}>
          <CloudShellDrawer onClose={() => setOpen(false)} />
        </Suspense>
      ) : null}
    </>
  );
}
