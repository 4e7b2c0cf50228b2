// Member clusters' webhooks (native audit to the gateway or to Warden) authenticate with the cluster's token.
/** The token of a webhook call: `Authorization: Bearer <token>`, or the password of Basic (a webhook URL's user info). */
export function webhookTokenOf(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const [scheme, value] = authorization.split(' ', 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : null;
  }
  return null;
}
