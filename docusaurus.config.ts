import type { Config } from '@docusaurus/types';
import type * as Preset from '@docusaurus/preset-classic';
import { themes as prismThemes } from 'prism-react-renderer';
import type { Plugin } from '@docusaurus/types';
import path from 'node:path';

/** The lab the lessons' terminals, challenges and graphs refer to. */
const LESSONS_LAB = 'connections';

/**
 * Lesson reference checks (src/lessons/remarkValidate.ts) as a remark plugin. That module is Node-only
 * (it reads the lab and the checker), so it is imported when the docs compile, through a path the web
 * typecheck does not follow.
 */
function remarkValidate(options: { lab: string }) {
  const modulePath = './src/lessons/remarkValidate.ts';
  let transformer: Promise<(tree: unknown, file: unknown) => Promise<void>> | null = null;
  return async (tree: unknown, file: unknown): Promise<void> => {
    transformer ??= import(/* webpackIgnore: true */ modulePath).then((m: { default: (o: { lab: string }) => (tree: unknown, file: unknown) => Promise<void> }) => m.default(options));
    return (await transformer)(tree, file);
  };
}

/**
 * Each doc depends on the lessons' lab.yaml and challenges.yaml (src/lessons/labDependencies.mjs), so
 * the dev server checks its references again when those are saved, as it does when the doc is.
 */
function docsDependOnTheLab(context: { siteDir: string }): Plugin {
  const lab = path.join(context.siteDir, 'labs', LESSONS_LAB);
  return {
    name: 'patchbay-docs-depend-on-the-lab',
    configureWebpack() {
      const use = [{ loader: path.join(context.siteDir, 'src/lessons/labDependencies.mjs'), options: { files: [path.join(lab, 'lab.yaml'), path.join(lab, 'challenges.yaml')] } }];
      return { module: { rules: [{ test: /\.mdx?$/, include: [path.join(context.siteDir, 'docs')], enforce: 'pre', use }] } };
    },
  };
}

/**
 * The package is `"type": "module"`, so webpack parses Docusaurus's generated `.docusaurus/*.js` as
 * strict ESM and leaves their `require.resolveWeak` calls untranslated: the server render then fails
 * with "require.resolveWeak is not a function". Parsing those generated files as `javascript/auto`
 * (what they are written for) fixes it without touching the package type.
 */
function generatedFilesAsAuto(): Plugin {
  return {
    name: 'patchbay-generated-files-as-auto',
    configureWebpack() {
      return { module: { rules: [{ test: /[\\/]\.docusaurus[\\/].*\.js$/, type: 'javascript/auto' }] } };
    },
  };
}

/** The authoring guide's folder under docs/: it has a sidebar of its own, apart from the learner's (sidebars.ts). */
const GUIDE_DIR = 'authoring';

// The site is the course: docs live at the root route, so the welcome lesson is the front page.
// The gateway serves the built site (build/site) on the same origin as /api, so no baseUrl games.
const config: Config = {
  title: 'Patchbay',
  tagline: 'Hands-on lessons with live lab terminals',
  url: 'http://localhost:3000',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  markdown: { hooks: { onBrokenMarkdownLinks: 'throw' } },
  favicon: 'img/favicon.svg',
  trailingSlash: false,
  i18n: { defaultLocale: 'en', locales: ['en'] },
  plugins: [generatedFilesAsAuto, docsDependOnTheLab],
  presets: [
    [
      'classic',
      {
        docs: {
          routeBasePath: '/',
          sidebarPath: './sidebars.ts',
          // The learner's sidebar is generated from every doc but the guide's.
          async sidebarItemsGenerator({ defaultSidebarItemsGenerator, ...args }) {
            const inGuide = (dir: string) => dir === GUIDE_DIR || dir.startsWith(`${GUIDE_DIR}/`);
            const docs = args.item.dirName === '.' ? args.docs.filter((doc) => !inGuide(doc.sourceDirName)) : args.docs;
            return defaultSidebarItemsGenerator({ ...args, docs });
          },
          // Lesson reference checks (src/lessons): the build fails, with file:line:column, on a
          // run-command naming no terminal, an unknown host or challenge, an unparsable graph query or a
          // missing image (the dev server shows them on the page instead). Before Docusaurus' own plugins,
          // whose image check would fail first, without the line.
          beforeDefaultRemarkPlugins: [[remarkValidate, { lab: LESSONS_LAB }]],
        },
        blog: false,
        // src/pages: the instructor's view (/instructor); the course itself is docs.
        pages: {},
        theme: { customCss: './src/css/custom.css' },
      } satisfies Preset.Options,
    ],
  ],
  themeConfig: {
    colorMode: { respectPrefersColorScheme: true },
    navbar: {
      title: 'Patchbay',
      logo: { alt: 'Patchbay', src: 'img/logo.svg' },
      items: [
        { type: 'docSidebar', sidebarId: 'course', position: 'left', label: 'Lessons' },
        // Registered in src/theme/NavbarItem/ComponentTypes.tsx: reads GET /api/health.
        { type: 'custom-labStatus', position: 'right' },
      ],
    },
    footer: {
      style: 'light',
      // The guide is for people who write lessons: out of the learner's sidebar, one click from every page.
      links: [{ label: 'Writing lessons: the authoring guide', to: `/${GUIDE_DIR}` }],
      copyright: 'Patchbay: lessons with a live lab.',
    },
    prism: { theme: prismThemes.github, darkTheme: prismThemes.dracula, additionalLanguages: ['bash', 'promql'] },
  } satisfies Preset.ThemeConfig,
};

export default config;
