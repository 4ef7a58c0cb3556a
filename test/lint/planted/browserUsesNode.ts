// typecheck: tsconfig.web.json
// expect: Cannot find module 'node:fs'
// expect: Cannot find name 'process'
// Browser code has no Node: neither its modules nor its globals compile here.
import { readFileSync } from 'node:fs';

export const config = readFileSync(process.cwd(), 'utf8');
