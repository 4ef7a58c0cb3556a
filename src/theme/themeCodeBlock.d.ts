/**
 * The one theme-classic component the browser layer uses, typed here because
 * `@docusaurus/theme-classic`'s own declarations import Docusaurus' Node-side types (and with them
 * @types/node), which the browser layer must not see.
 */
declare module '@theme/CodeBlock' {
  import type { ReactNode } from 'react';

  export interface Props {
    readonly children: ReactNode;
    readonly className?: string;
    readonly metastring?: string;
    readonly title?: ReactNode;
    readonly language?: string;
    readonly showLineNumbers?: boolean | number;
  }

  export default function CodeBlock(props: Props): ReactNode;
}
