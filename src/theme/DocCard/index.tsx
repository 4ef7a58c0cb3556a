/**
 * The cards of a category page and of `<DocCardList/>` (the course's landing page), as Docusaurus draws
 * them, but with drawn icons: Docusaurus puts emoji there (📄️, 🗃️, 🔗), which show as empty boxes on
 * machines without an emoji font (as Debian's Chromium has none by default).
 */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { findFirstSidebarItemLink, useDocById, type PropSidebarItem, type PropSidebarItemCategory, type PropSidebarItemLink } from '@docusaurus/plugin-content-docs/client';
import isInternalUrl from '@docusaurus/isInternalUrl';
import styles from './styles.module.css';

type IconKind = 'doc' | 'category' | 'external';

/** 24×24 outlines drawn with the text colour: a page, a stack of pages, an arrow leaving a box. */
const ICON_PATHS: Record<IconKind, string> = {
  doc: 'M6 2h8l4 4v16H6zM14 2v4h4M9 11h6M9 15h6M9 19h4',
  category: 'M3 6h6l2 2h10v12H3zM3 10h18',
  external: 'M14 4h6v6M20 4l-9 9M18 14v6H4V6h6',
};

function Icon({ kind }: { kind: IconKind }) {
  return (
    <svg className={styles.icon} data-icon={kind} viewBox="0 0 24 24" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path d={ICON_PATHS[kind]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function CardLayout({ className, href, icon, title, description }: { className?: string | undefined; href: string; icon: IconKind; title: string; description?: string | undefined }) {
  return (
    <Link href={href} className={clsx('card padding--lg', styles.cardContainer, className)}>
      <h2 className={clsx('text--truncate', styles.cardTitle)} title={title}>
        <Icon kind={icon} /> {title}
      </h2>
      {description && (
        <p className={clsx('text--truncate', styles.cardDescription)} title={description}>
          {description}
        </p>
      )}
    </Link>
  );
}

function CardCategory({ item }: { item: PropSidebarItemCategory }): ReactNode {
  const href = findFirstSidebarItemLink(item);
  // Categories without a link are filtered out before the cards are drawn.
  if (!href) return null;
  // The site is in English (docusaurus.config.ts `i18n`).
  const count = `${item.items.length} ${item.items.length === 1 ? 'item' : 'items'}`;
  return <CardLayout className={item.className} href={href} icon="category" title={item.label} description={item.description ?? count} />;
}

function CardLink({ item }: { item: PropSidebarItemLink }) {
  const doc = useDocById(item.docId ?? undefined);
  return (
    <CardLayout
      className={item.className}
      href={item.href}
      icon={isInternalUrl(item.href) ? 'doc' : 'external'}
      title={item.label}
      description={item.description ?? doc?.description}
    />
  );
}

export default function DocCard({ item }: { item: PropSidebarItem }): ReactNode {
  switch (item.type) {
    case 'link':
      return <CardLink item={item} />;
    case 'category':
      return <CardCategory item={item} />;
    default:
      throw new Error(`unknown sidebar item type ${JSON.stringify(item)}`);
  }
}
