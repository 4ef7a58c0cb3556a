// planted at: labs/programs/sidecar/planted.ts
// expect: import-x/no-restricted-paths
import { startLab } from '../../../src/lab/startLab.ts';

export const planted = startLab;
