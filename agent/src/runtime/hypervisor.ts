// What the agent reports about the VMs it hosts comes from a hypervisor driver. None exists
// yet, so heartbeats report zero through NoHypervisorDriver; a real driver (libvirt, QEMU QMP,
// ...) implements the same interface and is passed to State B instead.

export interface HypervisorDriver {
  /** VMs currently defined and running on this host. */
  vmCount(): Promise<number>;
  /** Live migrations in or out of this host that have not finished. */
  activeMigrations(): Promise<number>;
}

export class NoHypervisorDriver implements HypervisorDriver {
  async vmCount(): Promise<number> {
    return 0;
  }

  async activeMigrations(): Promise<number> {
    return 0;
  }
}
