// planted at: src/lab/plantedDisable.ts
// expect: unused-disable-directive
// eslint-disable-next-line import-x/no-cycle
export const planted = 1;
