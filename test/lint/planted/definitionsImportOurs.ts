// planted at: src/definitions/planted.ts
// expect: import-x/no-restricted-paths
import { loadLab } from '../lab/loadLab.ts';

export const planted = loadLab;
