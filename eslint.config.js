// @ts-check
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The layers of STYLE.md §1, enforced: an import that climbs a layer fails
 * `npm run lint` instead of waiting for a reviewer.
 */
const layer = (files, forbidden, message, extra = []) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [...forbidden.map(group => ({ group: [group], message })), ...extra]
    }]
  }
})

const ENGINE_FORBIDDEN = ['**/api/**', '**/electron/**', '**/daemon/**', '**/cli', '**/cli/**', '**/cli.js', '**/src-main/hub/**', 'electron', '**/src-renderer/**']
const ENGINE_LAYER = 'The engine is the bottom layer: it never imports api, transports, the renderer or Electron.'

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
  // The engine has a hub/ of its own (what a hub runs); the transport src-main/hub/ is told apart by depth.
  layer(['src-main/engine/*.ts'], [...ENGINE_FORBIDDEN, '../hub/**'], ENGINE_LAYER),
  layer(['src-main/engine/*/**/*.ts'], [...ENGINE_FORBIDDEN, '../../hub/**', '../../../hub/**', '../../../../hub/**'], ENGINE_LAYER),
  layer(['src-main/api/**/*.ts'], ['**/electron/**', '**/daemon/**', '**/cli/**', '**/cli.js', 'electron', '**/src-renderer/**'],
    'api/ sits under the transports; it imports engine and shared only.',
    // An allow-list, as VS Code's layers are: of the engine, only its front door.
    [{ group: ['**/engine/**', '!**/engine/index.js', '!**/engine/identity.js'], message: 'api/ imports the engine through engine/index.ts only (engine/identity.ts: the key alone, for `swarmdrop id`).' }]),
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
  },
  {
    // A promise nobody awaits loses its error; an async function where a callback is expected loses its result.
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { parserOptions: { project: ['./tsconfig.test.json', './tsconfig.renderer.json'], tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Lines a reviewer can read without scrolling (there were lines of 400+ characters).
      'max-len': ['error', { code: 200, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }]
    }
  }
)
