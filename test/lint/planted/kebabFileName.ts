// planted at: src/lab/host-names.ts
// expect: check-file/filename-naming-convention
export const hostNames = ['tools', 'api'];
