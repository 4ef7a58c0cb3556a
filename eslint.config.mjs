// The linter says what the README's layout says: which layer may import which, no import cycles, React's hook
// rules and one file-naming rule. ESLint with typescript-eslint, because the layer rules need import zones and
// cycle detection that resolve our own `.ts` specifiers (eslint-plugin-import-x), React's own hooks plugin, and
// a Node API that test/lint/plantedViolations.test.ts drives; oxlint has neither zones nor that plugin.
// Types are checked per layer by the tsconfig.*.json files; this file checks imports and names.
import checkFile from 'eslint-plugin-check-file';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Node layers: they run in Node and never see the browser's code. */
const NODE_LAYERS = ['server', 'terminal', 'lab', 'checker', 'lessons', 'cli', 'definitions'].map((l) => `./src/${l}`);
const BROWSER_LAYERS = ['./src/components', './src/theme', './src/pages'];
/** Everything of ours outside src, which no layer of src may import. */
const OUTSIDE_SRC = ['./labs', './test', './bench', './scripts', './bin'];

/** The import zones; each `message` is what a reader sees when a zone is crossed. */
const zones = [
  {
    target: BROWSER_LAYERS,
    from: './src',
    except: ['./components', './theme', './pages', './protocol'],
    message: 'Browser code reaches the server only through src/protocol and HTTP.',
  },
  {
    target: './src/protocol',
    from: ['./src', ...OUTSIDE_SRC],
    except: ['./protocol'],
    message: 'src/protocol is the contract both ends import; it imports nothing else of ours.',
  },
  {
    target: ['./src/lab', './src/checker', './src/terminal'],
    from: './src/server',
    message: 'lab, checker and terminal know nothing of HTTP: the server wires them, never the other way.',
  },
  {
    target: NODE_LAYERS,
    from: BROWSER_LAYERS,
    message: 'Node layers never import browser code; what both need belongs in src/protocol.',
  },
  {
    target: './src/definitions',
    from: './src',
    except: ['./definitions'],
    message: 'src/definitions is a pure helper (lab programs import it): it imports nothing else of ours.',
  },
  {
    target: './labs/programs',
    from: ['./src', './test', './bench'],
    // Declared pure helpers: no Node-layer state, no server, safe to bundle into a lab program.
    except: ['./definitions'],
    message: 'Lab programs run inside lab hosts: they import nothing from src but the declared pure helpers (src/definitions).',
  },
  {
    target: ['./src', './labs'],
    from: ['./test', './bench'],
    message: 'Product code never imports tests or benches.',
  },
];

export default tseslint.config(
  {
    ignores: ['build/**', 'node_modules/**', '.docusaurus/**', 'var/**', 'test/lint/planted/**', 'static/**'],
  },
  {
    files: ['**/*.{ts,tsx,mts,mjs,js}'],
    languageOptions: {
      parser: tseslint.parser,
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX, 'check-file': checkFile },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.mjs', '.js', '.d.ts'] })],
      // no-cycle follows imports by parsing each imported file: with TypeScript's parser, or it sees none.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx', '.mts'] },
      'import-x/extensions': ['.ts', '.tsx', '.mts', '.mjs', '.js'],
      // Docusaurus' virtual modules (@theme/…, @docusaurus/…) are resolved by its bundler, not from disk.
      'import-x/core-modules': [],
      'import-x/ignore': ['^@theme', '^@theme-original', '^@docusaurus', '^@site'],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // One rule for every code file: camelCase, or PascalCase when the file is named after the class or React
      // component it exports (as xterm.js and VS Code name theirs). No kebab-case or snake_case.
      'check-file/filename-naming-convention': [
        'error',
        { '**/*.{ts,tsx,mts,mjs,js}': '+([a-zA-Z])*([a-zA-Z0-9])' },
        { ignoreMiddleExtensions: true },
      ],
    },
  },
  {
    // The browser and the common code have no Node: not its modules, whatever the specifier.
    files: ['src/components/**/*.{ts,tsx}', 'src/theme/**/*.{ts,tsx}', 'src/pages/**/*.{ts,tsx}', 'src/protocol/**/*.ts', 'src/definitions/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: { 'import-x/no-nodejs-modules': 'error' },
  },
  {
    files: ['src/components/**/*.tsx', 'src/theme/**/*.tsx', 'src/pages/**/*.tsx', 'src/components/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
);
