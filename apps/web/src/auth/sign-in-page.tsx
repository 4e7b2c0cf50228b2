import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Divider, Form, Input, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { must } from '../api/api';
import { useApi, useSignedIn } from '../api/api-context';
import { ApiError } from '../api/api-error';
import { LanguageSwitch } from '../layout/language-switch';

type Provider = 'local' | 'ldap';

/** Where the OIDC login returns: this SPA's fragment-reading route (must be in CUBE_OIDC_ALLOWED_REDIRECTS). */
export function oidcReturnUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}auth/oidc`, window.location.origin).toString();
}

/** The message for a failed sign-in; a lockout (429) says when to try again. */
export function signInErrorText(error: unknown, t: (key: string, options?: Record<string, unknown>) => string, now = Date.now()): string {
  if (error instanceof ApiError) {
    if (error.status === 429) {
      const seconds = error.retryAfterSeconds;
      if (seconds === undefined) return t('signIn.lockedOut');
      const at = new Date(now + seconds * 1000).toLocaleTimeString();
      return t('signIn.lockedOutUntil', { seconds, at });
    }
    if (error.status === 401) return t('signIn.badCredentials');
    if (error.details['reason'] === 'provider_not_configured') return t('signIn.providerNotConfigured');
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function SignInPage() {
  const { t } = useTranslation();
  const api = useApi();
  const signedIn = useSignedIn();
  const navigate = useNavigate();
  const location = useLocation();
  const [provider, setProvider] = useState<Provider>('local');
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const login = useMutation({
    mutationFn: (values: { username: string; password: string }) =>
      must(api.client.POST('/api/v1/auth/login', { body: { ...values, provider } })),
    onSuccess: (pair) => {
      api.session.accept(pair);
      void navigate(from, { replace: true });
    },
  });
  if (signedIn && !login.isPending) return <Navigate to={from} replace />;

  const oidcUrl = `${api.gatewayUrl}/api/v1/auth/oidc/login?${new URLSearchParams({ redirect: oidcReturnUrl() }).toString()}`;
  return (
    <main style={{ minHeight: '100vh', display: 'grid', placeItems: 'center', background: '#f0f2f5' }}>
      <Card style={{ width: 400 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
            {t('app.name')}
          </Typography.Title>
          <LanguageSwitch />
        </div>
        <Typography.Paragraph type="secondary">{t('signIn.subtitle')}</Typography.Paragraph>
        <Segmented<Provider>
          block
          value={provider}
          onChange={setProvider}
          options={[
            { label: t('signIn.local'), value: 'local' },
            { label: t('signIn.ldap'), value: 'ldap' },
          ]}
          style={{ marginBottom: 16 }}
        />
        {login.error ? (
          <Alert role="alert" type="error" showIcon message={signInErrorText(login.error, t)} style={{ marginBottom: 16 }} />
        ) : null}
        <Form layout="vertical" onFinish={(values: { username: string; password: string }) => login.mutate(values)} requiredMark={false}>
          <Form.Item label={t('signIn.username')} name="username" rules={[{ required: true, message: t('signIn.usernameRequired') }]}>
            <Input autoComplete="username" autoFocus />
          </Form.Item>
          <Form.Item label={t('signIn.password')} name="password" rules={[{ required: true, message: t('signIn.passwordRequired') }]}>
            <Input.Password autoComplete="current-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={login.isPending}>
            {t('signIn.submit')}
          </Button>
        </Form>
        <Divider plain>{t('signIn.or')}</Divider>
        <Button block href={oidcUrl}>
          {t('signIn.oidc')}
        </Button>
      </Card>
    </main>
  );
}
