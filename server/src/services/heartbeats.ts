// POST /v1/nodes/heartbeat, behind the route: store what the node reported, group-committed with
// every other heartbeat of the moment, and answer the node's status once it is durable.
import type { components } from '@otherix/sdk';
import type { HeartbeatLanded, HeartbeatWrite } from '../store/node-store.js';
import type { Store } from '../store/store.js';
import { GroupCommit } from './group-commit.js';
import type { BatchObserver } from './group-commit.js';
import type { NodeIdentity, NodeIdentityService } from './node-identity.js';

type HeartbeatRequest = components['schemas']['HeartbeatRequest'];
type HeartbeatResponse = components['schemas']['HeartbeatResponse'];

export class HeartbeatService {
  private readonly commits: GroupCommit<HeartbeatWrite, HeartbeatLanded | undefined>;

  constructor(
    store: Store,
    private readonly now: () => number,
    private readonly identity: NodeIdentityService,
    /** Hears each group commit (metrics). */
    commitObserver?: BatchObserver,
  ) {
    this.commits = new GroupCommit((writes) => store.nodes.recordHeartbeats(writes), undefined, commitObserver);
  }

  async record(node: NodeIdentity, body: HeartbeatRequest): Promise<HeartbeatResponse> {
    const landed = await this.commits.submit({
      nodeId: node.nodeId,
      certSerial: node.serial,
      architecture: body.architecture,
      agentVersion: body.agent_version,
      heartbeatIntervalMs: Math.round(body.heartbeat_interval_seconds * 1000),
      hardwareJson: JSON.stringify(body.hardware),
      vmCount: body.vm_count,
      activeMigrations: body.active_migrations,
      at: this.now(),
    });
    if (landed === undefined) {
      // A re-join or a delete committed first: the serial is no longer the node's.
      this.identity.forget(node.name);
      throw await this.identity.refusal(node.name, node.serial);
    }
    // Just heard from, so ready, unless cordoned: a heartbeat never lifts a cordon.
    return { status: landed.cordoned ? 'cordoned' : 'ready' };
  }

  /** Waits for every heartbeat accepted so far to be written (before the store closes). */
  drain(): Promise<void> {
    return this.commits.drain();
  }
}
