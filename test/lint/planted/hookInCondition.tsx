// planted at: src/components/Planted/Conditional.tsx
// expect: react-hooks/rules-of-hooks
import { useState } from 'react';

export function Conditional({ on }: { on: boolean }) {
  if (on) {
    const [n] = useState(0);
    return <span>{n}</span>;
  }
  return null;
}
