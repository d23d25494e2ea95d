import type { Messages } from './en.js'

// Every t('…') key is checked against en.ts at compile time: a key that is missing fails the build.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation'
    resources: { translation: Messages }
  }
}
