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
  lines.push(thisControlPlane(rotation));
  return lines.join('\n');
}

/** Whether the CP that answered has applied the phase to its own certificates, and if not why and what to do. */
function thisControlPlane(rotation: CaRotation): string {
  const here = rotation.this_control_plane;
  if (here.applied) return `This control plane: applied phase ${rotation.phase} (its certificates and TLS use the phase's CAs)`;
  const was = here.applied_phase === null ? '' : ` (it still works as in phase ${here.applied_phase})`;
  if (here.error === null)
    return `This control plane: applying phase ${rotation.phase}${was}; run \`otherix ca rotation status\` again in a few seconds`;
  return [
    `This control plane: NOT applied phase ${rotation.phase}${was}: ${here.error.code}: ${here.error.message}`,
    `  The phase stands (do not run next again to retry: it would move one phase further); next waits for this control plane, or --force.`,
  ].join('\n');
}
