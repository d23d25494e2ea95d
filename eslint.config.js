// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The layers of STYLE.md §1, enforced: an import that climbs a layer fails
 * `npm run lint` instead of waiting for a reviewer.
 */
const layer = (files, forbidden, message) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: forbidden.map(group => ({ group: [group], message }))
    }]
  }
})

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error'
    }
  },
  layer(['shared/**/*.ts'], ['**/src-main/**', '**/src-renderer/**', 'electron', 'node:*'],
    'shared/ is plain TypeScript for both sides: it imports nothing of ours and no Node or Electron.'),
  layer(['src-main/engine/**/*.ts'], ['**/api/**', '**/electron/**', '**/daemon/**', '**/cli', '**/cli/**', '**/cli.js', '**/hub/**', 'electron', '**/src-renderer/**'],
    'The engine is the bottom layer: it never imports api, transports, the renderer or Electron.'),
  layer(['src-main/api/**/*.ts'], ['**/electron/**', '**/daemon/**', '**/cli/**', '**/cli.js', 'electron', '**/src-renderer/**'],
    'api/ sits under the transports; it imports engine and shared only.'),
  layer(['src-main/cli.ts', 'src-main/cli/**/*.ts', 'src-main/daemon/**/*.ts', 'src-main/hub/**/*.ts'], ['**/engine/**', '**/src-renderer/**', 'electron'],
    'Transports reach the engine through api/ only.'),
  layer(['src-main/electron/**/*.ts'], ['**/engine/**', '**/daemon/**', '**/cli/**', '**/cli.js', '**/src-renderer/**'],
    'The Electron shell is a transport: it reaches the engine through api/ (in its utility process) only.'),
  {
    files: ['src-renderer/**/*.{ts,tsx}', 'test/unit/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } }
  },
  layer(['src-renderer/**/*.{ts,tsx}'], ['**/src-main/**', 'node:*', 'electron'],
    'The renderer sees shared/ and window.swarmdrop only.'),
  {
    files: ['src-main/engine/**/*.ts', 'shared/**/*.ts'],
    rules: { 'no-console': 'error' }
  }
)
