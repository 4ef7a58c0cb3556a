/**
 * Whether the kernel's table can be read, and if not, why and how to fix it. One registry, so the
 * start-up message, the log and the `conntrack_exporter_table_status` metric say the same thing.
 */
export const TableStatuses = {
  ok: 'the connection tracking table is readable',
  starting: 'the first read of the connection tracking table has not finished yet',
  no_permission:
    'cannot read /proc/net/nf_conntrack: permission denied. Run the exporter as root, or with CAP_NET_ADMIN in the network namespace it watches.',
  not_loaded:
    '/proc/net/nf_conntrack does not exist: connection tracking is not loaded. Load it with `modprobe nf_conntrack` (any nftables rule using `ct` also loads it).',
  not_tracking:
    'the connection tracking table has no TCP entries while this namespace has TCP sockets: nothing asks the kernel to track connections here. Add a rule that uses conntrack in this namespace, for example: nft add table inet conntrack_exporter; nft add chain inet conntrack_exporter out { type filter hook output priority 0 \\; }; nft add rule inet conntrack_exporter out ct state new,established accept',
  read_error: 'reading /proc/net/nf_conntrack failed',
} as const;

export type TableStatus = keyof typeof TableStatuses;

export const tableStatusNames = Object.keys(TableStatuses) as TableStatus[];
