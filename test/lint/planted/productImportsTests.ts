// planted at: src/lab/planted.ts
// expect: import-x/no-restricted-paths
import { freePort } from '../../test/programs/helpers.ts';

export const planted = freePort;
