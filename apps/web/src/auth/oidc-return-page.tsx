import { Alert, Button, Result } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useApi } from '../api/api-context';
import type { TokenPair } from '../api/session';

/** The tokens of the OIDC callback's fragment (`#accessToken=…&refreshToken=…&expiresIn=…&tokenType=Bearer`). */
export function tokensFromFragment(hash: string): TokenPair | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const accessToken = params.get('accessToken');
  const refreshToken = params.get('refreshToken');
  const expiresIn = Number(params.get('expiresIn'));
  if (!accessToken || !refreshToken || !Number.isFinite(expiresIn) || expiresIn <= 0) return null;
  return { accessToken, refreshToken, expiresIn, tokenType: 'Bearer' };
}

export function OidcReturnPage() {
  const { t } = useTranslation();
  const { session } = useApi();
  const navigate = useNavigate();
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const pair = tokensFromFragment(window.location.hash);
    // The fragment never reaches a server; drop it from the address bar and history at once.
    window.history.replaceState(null, '', window.location.pathname);
    if (!pair) {
      setFailed(true);
      return;
    }
    session.accept(pair);
    void navigate('/', { replace: true });
  }, [session, navigate]);
  if (!failed) return null;
  return (
    <Result
      status="warning"
      title={t('signIn.oidcFailed')}
      extra={
        <Button type="primary" onClick={() => void navigate('/sign-in')}>
          {t('signIn.backToSignIn')}
        </Button>
      }
    >
      <Alert type="info" message={t('signIn.oidcFailedHint')} />
    </Result>
  );
}
