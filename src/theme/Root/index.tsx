/**
 * Wraps every page once for the whole site: the terminal dock lives here, so its shells and sockets
 * outlive navigation between lessons. Browser only: nothing of xterm is rendered on the server.
 */
import type { ReactNode } from 'react';
import BrowserOnly from '@docusaurus/BrowserOnly';
import TerminalDock from '../../components/dock/TerminalDock.tsx';

export default function Root({ children }: { children: ReactNode }) {
  return (
    <>
      {children}
      <BrowserOnly>{() => <TerminalDock />}</BrowserOnly>
    </>
  );
}
