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
      patterns: [...[...new Set(forbidden)].map(group => ({ group: [group], message })), ...extra]
    }]
  }
})

const ENGINE_FORBIDDEN = ['**/api/**', '**/electron/**', '**/daemon/**', '**/cli', '**/cli/**', '**/cli.js', 'electron', '**/src-renderer/**']
const ENGINE_LAYER = 'The engine is the bottom layer: it never imports api, transports, the renderer or Electron.'

/**
 * The engine's folders from the bottom up: each may import the ones before it,
 * never one after it nor the front (engine.ts, config.ts, index.ts) that puts
 * them together. base is what any part may use (logging, deadlines, atomic
 * files, rate limits, address helpers); storage is files on disk; content is
 * what a share is; serving hands out pieces; download fetches them; hub is
 * what a hub runs on top of a node.
 */
const ENGINE_LAYERS = ['base', 'storage', 'access', 'content', 'persistence', 'protocols', 'node', 'swarm', 'trust', 'peers', 'serving', 'sharing', 'download', 'hub']
const ENGINE_FRONT = ['engine', 'config', 'index', 'identity', 'polyfills']
/** Import patterns of everything above layer `i`, from a file one to three folders deep in it. */
const above = i => ['../', '../../', '../../../'].flatMap(up => [
  ...ENGINE_LAYERS.slice(i + 1).map(name => `${up}${name}/**`),
  ...ENGINE_FRONT.map(name => `${up}${name}.js`)
])

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
  layer(['src-main/engine/**/*.ts'], ENGINE_FORBIDDEN, ENGINE_LAYER),
  // Inside the engine, each folder is a layer and imports only the ones below it (see ENGINE_LAYERS).
  ...ENGINE_LAYERS.map((name, i) => layer([`src-main/engine/${name}/**/*.ts`],
    [...ENGINE_FORBIDDEN, ...above(i)],
    `engine/${name}/ is a layer under ${ENGINE_LAYERS.slice(i + 1).join(', ')} and the engine's front (engine.ts, config.ts, index.ts): it imports only ${i === 0 ? 'shared/ and packages' : ENGINE_LAYERS.slice(0, i).join(', ')}.`)),
  layer(['src-main/api/**/*.ts'], ['**/electron/**', '**/daemon/**', '**/cli/**', '**/cli.js', 'electron', '**/src-renderer/**'],
    'api/ sits under the transports; it imports engine and shared only.',
    // An allow-list, as VS Code's layers are: of the engine, only its front door.
    [{ group: ['**/engine/**', '!**/engine/index.js', '!**/engine/identity.js'], message: 'api/ imports the engine through engine/index.ts only (engine/identity.ts: the key alone, for `swarmdrop id`).' }]),
  layer(['src-main/cli.ts', 'src-main/cli/**/*.ts', 'src-main/daemon/**/*.ts'], ['**/engine/**', '**/src-renderer/**', 'electron'],
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
