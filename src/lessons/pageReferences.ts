/**
 * What a page names beyond the lesson components: every JSX component it uses (which must be one the
 * site provides or one the page imports) and every Markdown image (which Docusaurus requires to exist).
 * A lesson brought from another platform fails the site build on the first of these; reading them all
 * here lets `patchbay test` list every one at once. Pure: a tree in, positions out.
 */
import { posix } from 'node:path';
import type { Image, Node, Root } from 'mdast';
import type { MdxJsxFlowElement, MdxJsxTextElement } from 'mdast-util-mdx-jsx';
import type { SourcePosition } from '../definitions/definitionError.ts';

/** A JSX element whose name is a component (capitalised), not an HTML tag. */
export interface ComponentUse {
  name: string;
  at: SourcePosition;
}

/** A Markdown image `![alt](url)`, as written. */
export interface ImageUse {
  url: string;
  at: SourcePosition;
}

export interface PageReferences {
  components: ComponentUse[];
  images: ImageUse[];
}

/**
 * Components Docusaurus itself gives every MDX page without an import (theme-classic's MDXComponents:
 * `Head`, `Details`; the rest of that map are lowercase HTML tags). Ours are `LessonComponents`.
 */
export const SITE_COMPONENTS = ['Head', 'Details'] as const;

interface EstreeNode {
  type: string;
  [key: string]: unknown;
}

export function pageReferences(tree: Root, file: string): PageReferences {
  const defined = new Set<string>();
  const components: ComponentUse[] = [];
  const images: ImageUse[] = [];
  const at = (node: Node): SourcePosition => ({ file, line: node.position?.start.line ?? 1, column: node.position?.start.column ?? 1 });
  const walk = (node: Node): void => {
    if (node.type === 'mdxjsEsm') for (const name of declaredNames((node as { data?: { estree?: EstreeNode } }).data?.estree)) defined.add(name);
    else if (node.type === 'image') images.push({ url: (node as Image).url, at: at(node) });
    else if (node.type === 'mdxJsxFlowElement' || node.type === 'mdxJsxTextElement') {
      const name = (node as MdxJsxFlowElement | MdxJsxTextElement).name;
      // `<Tabs.Item>` is a member of what `Tabs` names; fragments have no name; lowercase names are HTML.
      if (name && /^[A-Z]/.test(name)) components.push({ name: name.split('.')[0]!, at: at(node) });
    }
    for (const child of (node as { children?: Node[] }).children ?? []) walk(child);
  };
  walk(tree);
  // Imports and exports apply to the whole page, wherever they are written.
  return { components: components.filter((c) => !defined.has(c.name)), images };
}

/** Names an `import`/`export` block binds: import specifiers, exported declarations. */
function declaredNames(program: EstreeNode | undefined): string[] {
  const names: string[] = [];
  const body = (program?.body as EstreeNode[] | undefined) ?? [];
  const idName = (n: unknown) => ((n as EstreeNode | null)?.type === 'Identifier' ? [(n as { name: string }).name] : []);
  for (const statement of body) {
    if (statement.type === 'ImportDeclaration') {
      for (const s of (statement.specifiers as EstreeNode[]) ?? []) names.push(...idName(s.local));
    } else if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') {
      const d = statement.declaration as EstreeNode | null;
      if (d?.type === 'VariableDeclaration') for (const v of (d.declarations as EstreeNode[]) ?? []) names.push(...idName(v.id));
      else if (d) names.push(...idName(d.id));
    }
  }
  return names;
}

/**
 * Where Docusaurus looks for a Markdown image's file (mdx-loader's transformImage): `@site/…` from the
 * project, `/…` in the static directory, anything else beside the page; null for a URL with a scheme
 * (http:, data:, pathname:), which is not a local file.
 */
export function localImagePath(url: string, lessonFile: string, site: { projectDir: string; staticDir: string }): string | null {
  if (url === '' || /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return null;
  const path = decodeURIComponent(url.replace(/[?#].*$/, ''));
  if (path.startsWith('@site/')) return posix.join(site.projectDir, path.slice('@site/'.length));
  if (path.startsWith('/')) return posix.join(site.staticDir, path);
  return posix.join(posix.dirname(lessonFile), path);
}
