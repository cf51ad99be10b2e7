import { command } from '../engine/command-codec.js';
import { CommandType } from '../engine/command-layout.js';
import { EventType } from '../engine/event-layout.js';
import type { EngineHostStart } from '../runtime/engine-host.js';
import type { InternalCommands } from './internal-commands.js';
import type { Logger } from './log.js';
import { keyMaterial } from './api-keys.js';
import { fundingDeposits, type ServerConfig } from './server-config.js';

/**
 * Creates and funds each configured account the recovered state does not have (journaled
 * commands, so a restart finds them and funds nothing twice). A refusal stops the start-up.
 */
export async function fundAccounts(config: ServerConfig, started: EngineHostStart, commands: InternalCommands, clockUs: () => number, log: Logger): Promise<void> {
  const existing = new Set((started.state?.accounts ?? []).map((a) => a.id));
  for (const account of config.accounts) {
    if (existing.has(account.id)) continue;
    const created = await commands.publishAndAwait(command({ type: CommandType.ACCOUNT_CREATE, timestampUs: clockUs(), accountId: account.id }));
    if (created.type !== EventType.ACCEPTED) throw new Error(`creating account ${account.id}: engine code ${created.code}`);
    for (const d of fundingDeposits(config, account)) {
      const ev = await commands.publishAndAwait(command({ type: CommandType.DEPOSIT, timestampUs: clockUs(), accountId: d.accountId, symbolId: d.assetId, qty: d.amount, targetId: d.transferId }));
      if (ev.type !== EventType.ACCEPTED) throw new Error(`funding account ${account.id}: engine code ${ev.code}`);
    }
    log.info('account funded', { account: account.id, deposits: account.deposits.length });
  }
  // Configured keys are journaled once: for an account that has never had a key. A key revoked
  // later stays revoked across restarts, whatever the configuration still lists.
  const everKeyed = new Set((started.state?.apiKeys ?? []).map((k) => k.account));
  for (const key of config.apiKeys) {
    if (everKeyed.has(key.account)) continue;
    const ev = await commands.publishAndAwait(command({ type: CommandType.API_KEY_ADD, timestampUs: clockUs(), accountId: key.account, keyMaterial: keyMaterial(key) }));
    if (ev.type !== EventType.ACCEPTED) log.warn('configured api key not journaled', { account: key.account, code: ev.code });
  }
}
