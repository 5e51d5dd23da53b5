// The architecture is detected from the host and reported in Go's GOARCH vocabulary.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { detectArchitecture } from '@otherix/sdk/internal';

test('Node architectures map to GOARCH names', (t) => {
  const cases: Array<[string, boolean, string]> = [
    ['x64', true, 'amd64'],
    ['arm64', true, 'arm64'],
    ['ia32', true, '386'],
    ['arm', true, 'arm'],
    ['ppc64', true, 'ppc64le'],
    ['ppc64', false, 'ppc64'],
    ['s390x', false, 's390x'],
    ['riscv64', true, 'riscv64'],
    ['loong64', true, 'loong64'],
    ['mipsel', true, 'mipsle'],
    ['mips64el', true, 'mips64le'],
  ];
  for (const [arch, littleEndian, goarch] of cases) t.is(detectArchitecture(arch, littleEndian), goarch, arch);
});

test('this host is reported as uname -m says, in GOARCH words', (t) => {
  const machine = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
  const expected: Record<string, string> = {
    x86_64: 'amd64',
    aarch64: 'arm64',
    arm64: 'arm64',
    i686: '386',
    ppc64le: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
  };
  t.is(detectArchitecture(), expected[machine] ?? machine);
});
