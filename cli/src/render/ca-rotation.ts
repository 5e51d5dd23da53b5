// The CA rotation's status, as `otherix ca rotation status|next|rollback` print it.
import type { CaRotation } from '@otherix/sdk';

export function renderCaRotation(rotation: CaRotation): string {
  const { nodes } = rotation;
  const lines = [
    `Phase: ${rotation.phase}${rotation.since === null ? '' : ` (since ${rotation.since})`}`,
    `CA: ${rotation.ca_fingerprint}`,
    `New CA: ${rotation.new_ca_fingerprint ?? '-'}`,
    `Serving CA (what bootstraps pin now): ${rotation.serving_ca_fingerprint}`,
    `Nodes heartbeating: ${nodes.heartbeating}; trust the new CA: ${nodes.trust_new_ca}; hold a certificate of the new CA: ${nodes.leaf_from_new_ca}`,
  ];
  if (rotation.lagging.length > 0) {
    lines.push(`Lagging (next waits for them, or --force):`);
    for (const lag of rotation.lagging) lines.push(`  ${lag.node_name}: ${lag.reason}`);
  }
  return lines.join('\n');
}
