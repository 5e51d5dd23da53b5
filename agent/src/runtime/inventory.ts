// The host's hardware inventory, read for every heartbeat from node:os and /proc: what the CP
// shows an admin in the full Node projection (SPEC §3 `hardware`).
import { existsSync, readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { CONTROL_CHARACTERS } from '@otherix/sdk';
import type { Hardware } from '@otherix/sdk';

export type { Hardware };

const KVM_DEVICE = '/dev/kvm';
const CPUINFO = '/proc/cpuinfo';

// The API's bounds (openapi.yaml Hardware): a long string is cut and a control character
// replaced, so the CP never refuses a heartbeat for what the host reports.
const MAX_CPU_MODEL = 256;
const MAX_HOSTNAME = 253;
const MAX_KERNEL = 256;

interface InventorySources {
  kvmDevice?: string;
  cpuinfoPath?: string;
}

export function readInventory(sources: InventorySources = {}): Hardware {
  const processors = cpus();
  return {
    cpu_model: reportable(cpuModelOf(processors) ?? cpuModelFromProc(sources.cpuinfoPath ?? CPUINFO) ?? 'unknown', MAX_CPU_MODEL),
    // Every logical CPU of the host, not the share this process may use (availableParallelism):
    // the scheduler places VMs on the host, not in the agent's cgroup.
    cpu_count: processors.length > 0 ? processors.length : cpuCountFromProc(sources.cpuinfoPath ?? CPUINFO),
    memory_bytes: totalmem(),
    kvm_present: existsSync(sources.kvmDevice ?? KVM_DEVICE),
    hostname: reportable(hostname(), MAX_HOSTNAME),
    kernel: reportable(release(), MAX_KERNEL),
  };
}

/**
 * A host string as the API takes it: each control character (C0, DEL, C1), which the CP refuses
 * in node-written text, becomes U+FFFD, then the string is cut to the API's bound.
 */
export function reportable(text: string, max: number): string {
  return text.replace(CONTROL_CHARACTERS_GLOBAL, '\ufffd').slice(0, max);
}

const CONTROL_CHARACTERS_GLOBAL = new RegExp(CONTROL_CHARACTERS.source, 'g');

function cpuModelOf(processors: ReturnType<typeof cpus>): string | undefined {
  const model = processors[0]?.model.trim();
  return model !== undefined && model !== '' && model !== 'unknown' ? model : undefined;
}

// Some ARM kernels leave the model out of what libuv reads; /proc/cpuinfo names it under
// another key there ('Hardware', 'Model', 'cpu model', 'uarch').
function cpuModelFromProc(path: string): string | undefined {
  const text = readOptional(path);
  if (text === undefined) return undefined;
  for (const key of ['model name', 'Hardware', 'Model', 'cpu model', 'uarch', 'cpu']) {
    const match = new RegExp(`^${key}\\s*:\\s*(.+)$`, 'm').exec(text);
    const value = match?.[1]?.trim();
    if (value) return value;
  }
  return undefined;
}

function cpuCountFromProc(path: string): number {
  const text = readOptional(path);
  return text === undefined ? 0 : (text.match(/^processor\s*:/gm) ?? []).length;
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
