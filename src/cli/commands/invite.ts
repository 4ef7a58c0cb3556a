/**
 * `patchbay invite`: asks the hosted gateway on this machine for an invite link (POST /api/invites with
 * the admin token from its 0600 file or PATCHBAY_ADMIN_TOKEN) and prints it.
 */
import { commandHelp, defineCommand, usageError } from '../command.ts';
import { DEFAULT_PORT } from '../../server/createGateway.ts';
import { DEFAULT_AUTH_DIR, readAdminToken } from '../../server/authSecrets.ts';
import { INVITES_PATH } from '../../server/identity.ts';
import { InviteDefaults } from '../../server/SessionLimits.ts';
import { parseDuration } from './serve.ts';

const help = commandHelp('invite', `[OPTIONS]

Asks the gateway running in hosted mode on this machine (\`patchbay serve --hosted\`) for an invite link
and prints it: a learner who opens it gives a display name and gets a session of their own. The admin
token is read from the gateway's token file (only its user can read it) or PATCHBAY_ADMIN_TOKEN.
The gateway keeps invites in its database: unused ones outlive a restart; --new-secret ends them.

Options:
  --uses N          Sign-ins the link allows (default ${InviteDefaults.uses}, at most ${InviteDefaults.maxUses})
  --expires DUR     How long the link stays valid (default 24h, at most 30d): 30m, 24h, 7d
  --port N          The gateway's port (default $PORT or ${DEFAULT_PORT})
  --auth-dir DIR    The gateway's secrets directory (default $PATCHBAY_AUTH_DIR or var/auth)
  -h, --help        This help

Environment: PORT, PATCHBAY_AUTH_DIR, PATCHBAY_ADMIN_TOKEN.

Examples:
  patchbay invite                          # one learner, valid for a day
  patchbay invite --uses 30 --expires 7d   # a class of 30, for a week
  PORT=8080 patchbay invite`);

const options = {
  uses: { type: 'string' },
  expires: { type: 'string' },
  port: { type: 'string' },
  'auth-dir': { type: 'string' },
} as const;

export const invite = defineCommand({
  name: 'invite',
  help,
  options,
  allowPositionals: false,
  async run({ values }) {
    const uses = values.uses === undefined ? InviteDefaults.uses : Number(values.uses);
    if (!Number.isInteger(uses) || uses < 1 || uses > InviteDefaults.maxUses) return usageError('invite', `--uses must be a whole number from 1 to ${InviteDefaults.maxUses}, got ${values.uses}`);
    const ttlMs = values.expires === undefined ? InviteDefaults.ttlMs : parseDuration(values.expires);
    if (ttlMs === null || ttlMs <= 0 || ttlMs > InviteDefaults.maxTtlMs) return usageError('invite', `--expires must be a duration like 30m, 24h or 7d, at most 30d, got ${values.expires}`);
    const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) return usageError('invite', `--port/PORT must be a port number, got ${portText}`);
    const dir = values['auth-dir'] ?? process.env.PATCHBAY_AUTH_DIR ?? DEFAULT_AUTH_DIR;
    const token = readAdminToken(dir, process.env);
    if (!token) {
      console.error(`patchbay invite: no admin token in ${dir}/admin-token nor PATCHBAY_ADMIN_TOKEN; start the gateway with --hosted first (it makes the file), as the user who runs it`);
      return 1;
    }
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${port}${INVITES_PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ uses, expiresInSeconds: ttlMs / 1000 }),
      });
    } catch (error) {
      console.error(`patchbay invite: no gateway answers on 127.0.0.1:${port} (${(error as Error).cause ?? (error as Error).message}); is \`patchbay serve --hosted\` running there?`);
      return 1;
    }
    const body = (await res.json().catch(() => null)) as { url?: string; uses?: number; expiresAt?: string; code?: string; message?: string } | null;
    if (res.status !== 201 || !body?.url) {
      console.error(`patchbay invite: the gateway refused: ${res.status} ${body?.code ?? ''} ${body?.message ?? ''}`.trim());
      return 1;
    }
    console.log(body.url);
    console.log(`  ${body.uses} use${body.uses === 1 ? '' : 's'}, valid until ${body.expiresAt}`);
    return 0;
  },
});
