import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, setLanguage } from '../i18n/i18n';

export function LanguageSwitch() {
  const { i18n, t } = useTranslation();
  return (
    <Select
      size="small"
      aria-label={t('user.language')}
      value={i18n.language}
      onChange={(language: string) => void setLanguage(language)}
      options={LANGUAGES.map((language) => ({ value: language.code, label: language.label }))}
      style={{ width: 110 }}
    />
  );
}
