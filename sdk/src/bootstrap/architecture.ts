// The host's CPU architecture in Go's GOARCH vocabulary, which the API speaks.
import { endianness } from 'node:os';

const GOARCH_BY_NODE_ARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ia32: '386',
  arm: 'arm',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
  mips64el: 'mips64le',
  ppc: 'ppc',
};

export function detectArchitecture(arch: string = process.arch, littleEndian: boolean = endianness() === 'LE'): string {
  if (arch === 'ppc64') return littleEndian ? 'ppc64le' : 'ppc64';
  if (arch === 'mips64') return littleEndian ? 'mips64le' : 'mips64';
  return GOARCH_BY_NODE_ARCH[arch] ?? arch;
}
