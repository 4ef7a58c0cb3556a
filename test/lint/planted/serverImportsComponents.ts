// planted at: src/server/planted.ts
// expect: import-x/no-restricted-paths
import { dockStore } from '../components/dock/dockStore.ts';

export const planted = dockStore;
