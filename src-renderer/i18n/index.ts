import i18next, { type i18n } from 'i18next'
import { initReactI18next } from 'react-i18next'
import { en } from './en.js'
import { ko } from './ko.js'

export const LANGUAGES = [{ code: 'en', name: 'English' }, { code: 'ko', name: '한국어' }] as const

/** Picks the saved language, else the browser's, else English. */
export function initialLanguage (): string {
  const saved = globalThis.localStorage?.getItem('swarmdrop-lang')
  if (saved != null && LANGUAGES.some(l => l.code === saved)) return saved
  const nav = globalThis.navigator?.language?.slice(0, 2)
  return nav === 'ko' ? 'ko' : 'en'
}

export function setupI18n (lng = initialLanguage()): i18n {
  const instance = i18next.createInstance()
  void instance.use(initReactI18next).init({
    resources: { en: { translation: en }, ko: { translation: ko } },
    lng,
    fallbackLng: 'en',
    // React escapes what it renders; i18next must not escape a second time.
    interpolation: { escapeValue: false },
    initAsync: false
  })
  return instance
}
