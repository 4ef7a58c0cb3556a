// planted at: src/protocol/planted.ts
// expect: import-x/no-restricted-paths
import { normalizeQuery } from '../checker/normalize.ts';

export const planted = normalizeQuery;
