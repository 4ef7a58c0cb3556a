/**
 * `@xterm/addon-serialize` as the Node layer uses it: against `@xterm/headless`. The package's own typings
 * import `@xterm/xterm`, whose declarations pull in the DOM library (`/// <reference lib="dom" />`), which
 * the Node layer must not see. tsconfig.node.json maps the module name here; at run time the real package
 * loads as before.
 */
import type { Terminal } from '@xterm/headless';

declare class SerializeAddon {
  constructor();
  activate(terminal: Terminal): void;
  /** The terminal's content as escape sequences that redraw it (what a reattach replays). */
  serialize(options?: { scrollback?: number; excludeModes?: boolean; excludeAltBuffer?: boolean }): string;
  dispose(): void;
}

declare const addonSerialize: { SerializeAddon: typeof SerializeAddon };
export default addonSerialize;
export { SerializeAddon };
