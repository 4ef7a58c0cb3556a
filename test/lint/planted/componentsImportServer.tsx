// planted at: src/components/Planted/index.tsx
// expect: import-x/no-restricted-paths
import { createGateway } from '../../server/createGateway.ts';

export default function Planted() {
  return <pre>{String(createGateway)}</pre>;
}
