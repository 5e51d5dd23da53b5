// The block `otherix node join-token create` prints, line for line in the seed's shape.
import type { JoinTokenCreated } from '@otherix/sdk';
import { formatSeconds, formatTimestamp } from './time.js';

export function renderJoinTokenCreated(created: JoinTokenCreated): string {
  const lines = [
    `Token created (id: ${created.id}):`,
    `  ${created.token}`,
    'CA fingerprint:',
    `  ${created.ca_fingerprint}`,
    'Save BOTH NOW - server stores only hash, plaintext cannot be retrieved.',
    'Pass to agent via OTHERIX_BOOTSTRAP__TOKEN + OTHERIX_BOOTSTRAP__CA_FINGERPRINT (koanf double-underscore nesting).',
    // ttl_seconds is the value after the server's clamp to [1m, 24h], so a clamp shows here.
    `Expires: ${formatTimestamp(created.expires_at)} (TTL: ${formatSeconds(created.ttl_seconds)}).`,
    // 0 is the seed's "unlimited within the TTL"; spelled out so it cannot read as "no uses".
    created.max_uses === 0 ? 'Max uses: 0 (unlimited).' : `Max uses: ${created.max_uses}.`,
  ];
  if (created.node_name !== null) lines.push(`Bound to node-name: ${created.node_name} (single-use).`);
  return lines.join('\n');
}
