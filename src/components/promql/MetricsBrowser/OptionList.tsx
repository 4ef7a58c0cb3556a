/**
 * A keyboard-usable listbox for the metrics browser's columns: arrow keys, Home and End move the active
 * option (aria-activedescendant), Enter or Space chooses it, a click chooses too. The metric column's
 * filter box drives the same list through `listKeyDown` (a combobox), so typing and arrowing mix.
 */
import { useEffect, type KeyboardEvent, type ReactNode } from 'react';
import styles from './styles.module.css';

export interface ListCursor {
  active: number;
  setActive: (i: number) => void;
  count: number;
  choose: (i: number) => void;
}

/** Handles a key for the list; true when it did (the caller then stops the event). */
export function listKeyDown(e: KeyboardEvent, c: ListCursor, { space = true }: { space?: boolean } = {}): boolean {
  if (c.count === 0) return false;
  const clamp = (i: number) => Math.max(0, Math.min(c.count - 1, i));
  switch (e.key) {
    case 'ArrowDown':
      c.setActive(clamp(c.active + 1));
      return true;
    case 'ArrowUp':
      c.setActive(clamp(c.active - 1));
      return true;
    case 'Home':
      c.setActive(0);
      return true;
    case 'End':
      c.setActive(c.count - 1);
      return true;
    case 'Enter':
      c.choose(clamp(c.active));
      return true;
    case ' ':
      if (!space) return false;
      c.choose(clamp(c.active));
      return true;
    default:
      return false;
  }
}

export function optionId(listId: string, i: number): string {
  return `${listId}-o${i}`;
}

export interface OptionListProps<T> extends ListCursor {
  id: string;
  label: string;
  items: readonly T[];
  keyOf: (item: T) => string;
  render: (item: T) => ReactNode;
  isSelected: (item: T) => boolean;
  multiselectable?: boolean;
  /** False when a filter box drives the list (it keeps the focus); the list itself is then not a tab stop. */
  focusable?: boolean;
}

export default function OptionList<T>(props: OptionListProps<T>) {
  const { id, active, items } = props;
  // The active option stays in view as the arrows move it through a scrolled list.
  useEffect(() => {
    if (active >= 0 && active < items.length) document.getElementById(optionId(id, active))?.scrollIntoView({ block: 'nearest' });
  }, [id, active, items.length]);
  return (
    <ul
      id={id}
      role="listbox"
      aria-label={props.label}
      aria-multiselectable={props.multiselectable || undefined}
      aria-activedescendant={items.length > 0 && active >= 0 ? optionId(id, Math.min(active, items.length - 1)) : undefined}
      tabIndex={props.focusable === false ? -1 : 0}
      className={styles.list}
      onKeyDown={(e) => {
        if (listKeyDown(e, props)) e.preventDefault();
      }}
    >
      {items.map((item, i) => (
        <li
          key={props.keyOf(item)}
          id={optionId(id, i)}
          role="option"
          aria-selected={props.isSelected(item)}
          data-active={i === active || undefined}
          className={styles.option}
          onClick={() => {
            props.setActive(i);
            props.choose(i);
          }}
        >
          {props.render(item)}
        </li>
      ))}
    </ul>
  );
}
