/**
 * `@docusaurus/plugin-content-docs/client` as the browser layer uses it (src/theme/DocCard). The package's
 * own typings import Docusaurus' Node-side types (and with them @types/node), which the browser layer must
 * not see; tsconfig.web.json maps the module name here. At run time the real module loads as before.
 */
import type { ReactNode } from 'react';

/** A sidebar item as the theme receives it (the parts DocCard reads). */
export type PropSidebarItem = PropSidebarItemLink | PropSidebarItemCategory | PropSidebarItemHtml;

export interface PropSidebarItemLink {
  readonly type: 'link';
  readonly label: string;
  readonly href: string;
  readonly docId?: string;
  readonly description?: string;
  readonly className?: string;
}

export interface PropSidebarItemCategory {
  readonly type: 'category';
  readonly label: string;
  readonly href?: string;
  readonly description?: string;
  readonly className?: string;
  readonly items: readonly PropSidebarItem[];
}

export interface PropSidebarItemHtml {
  readonly type: 'html';
  readonly value: ReactNode;
}

/** A doc of the current docs version, by id (undefined when there is none). */
export function useDocById(id: string | undefined): { readonly description?: string } | undefined;

/** The first link a category leads to: its own, or the first of its items'. */
export function findFirstSidebarItemLink(item: PropSidebarItemCategory): string | undefined;
