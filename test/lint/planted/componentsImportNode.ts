// planted at: src/components/Planted/readConfig.ts
// expect: import-x/no-nodejs-modules
import { readFileSync } from 'node:fs';

export const config = readFileSync('/etc/hostname', 'utf8');
