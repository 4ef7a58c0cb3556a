// planted at: src/checker/planted.ts
// expect: import-x/no-restricted-paths
import { createGateway } from '../server/createGateway.ts';

export const planted = createGateway;
