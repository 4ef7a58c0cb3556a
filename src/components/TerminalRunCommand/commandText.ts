/** Reads the commands out of TerminalRunCommand's children: the text of each `<Command>`, in order. */
import { Children, isValidElement, type ReactNode } from 'react';

export function textOf(node: ReactNode): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (isValidElement<{ children?: ReactNode }>(node)) return textOf(node.props.children);
  return '';
}

/**
 * Every element child is one command (MDX may wrap loose text in paragraphs; those count too).
 * Whitespace around a command is trimmed; MDX line breaks inside one command become spaces.
 */
export function commandsOf(children: ReactNode): string[] {
  const commands: string[] = [];
  Children.forEach(children, (child) => {
    if (!isValidElement(child)) return;
    const text = textOf(child).replace(/\s*\n\s*/g, ' ').trim();
    if (text) commands.push(text);
  });
  return commands;
}
