// planted at: src/definitions/readDefinition.ts
// expect: import-x/no-nodejs-modules
// The definitions toolkit is bundled into lab programs and parses text its callers read: no Node here.
import { readFileSync } from 'node:fs';

export const text = readFileSync('lab.yaml', 'utf8');
