/**
 * `<Terminal target shell workdir user id name/>`: declares a terminal in the dock. Renders nothing in
 * the text; the dock (src/theme/Root) shows it. The server decides what the requested shell, user and
 * workdir really are; these are requests.
 */
import { useEffect } from 'react';
import { dockStore } from '../dock/dockStore.ts';

export interface TerminalProps {
  target: string;
  id?: string;
  name?: string;
  shell?: string;
  workdir?: string;
  user?: string;
}

export default function Terminal({ target, id, name, shell, workdir, user }: TerminalProps) {
  const terminalId = id ?? target;
  useEffect(() => {
    dockStore.declare({ id: terminalId, target, name: name ?? terminalId, shell, workdir, user });
  }, [terminalId, target, name, shell, workdir, user]);
  return null;
}
